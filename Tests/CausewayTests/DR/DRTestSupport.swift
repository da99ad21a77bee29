import CausewayStore
import Foundation
import KafkaClient
import KafkaProtocol
import TestSupport
import XCTest

extension XCTestCase {
    /// A fresh checkpoint store in a temporary file, removed after the test.
    func makeStore() throws -> SQLiteCheckpointStore {
        let path = temporaryPath("store") + ".db"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return try SQLiteCheckpointStore(path: path, link: "test")
    }

    /// Writes `batches` batches of 5 records (`key-N`/`value-N-codec`, N from `first`) to
    /// `partition` and checks that each is accepted.
    static func produceBatches(
        _ client: KafkaClient, _ partition: TopicPartitionID, batches: Int, from first: Int, codec: CompressionCodec = .none
    ) async throws {
        for round in 0..<batches {
            let bytes = try LinkEngineTests.batch(count: 5, from: first + round * 5, codec: codec)
            let result = try await client.produce([partition: bytes], to: client.leader(of: partition))
            XCTAssertEqual(result[partition]?.error, KafkaErrorCode.none)
        }
    }
}
