import Foundation
import KafkaBroker
import KafkaProtocol
import NIOCore
import TestSupport
import XCTest

@testable import KafkaClient

final class ClientProduceFetchTests: XCTestCase {
    private static func batch(_ values: [String], codec: CompressionCodec = .none) throws -> ByteBuffer {
        var builder = RecordBatchBuilder(baseTimestamp: Int64(Date().timeIntervalSince1970 * 1000), codec: codec)
        for (index, value) in values.enumerated() {
            builder.append(
                key: ByteBuffer(string: "k\(index)"), value: ByteBuffer(string: value), headers: [],
                timestampDelta: Int64(index), offsetDelta: Int32(index), attributes: 0)
        }
        return try builder.build().bytes
    }

    func testProducedBatchesComeBackByteForByteThroughAnIncrementalSession() async throws {
        try await withEmbeddedCluster { _, client in
            _ = try await client.createTopics([NewTopic(name: "events", partitions: 3)])
            let partitions = (0..<3).map { TopicPartitionID("events", Int32($0)) }
            var sent: [TopicPartitionID: [ByteBuffer]] = [:]
            for round in 0..<4 {
                for (index, partition) in partitions.enumerated() {
                    let leader = try await client.leader(of: partition)
                    let bytes = try Self.batch((0..<5).map { "r\(round)-p\(index)-\($0)" }, codec: CompressionCodec.allCases[(round + index) % 5])
                    let result = try await client.produce([partition: bytes], to: leader)
                    XCTAssertEqual(result[partition]?.error, KafkaErrorCode.none)
                    XCTAssertEqual(result[partition]?.baseOffset, Int64(round * 5))
                    sent[partition, default: []].append(bytes)
                }
            }

            var session = FetchSessionState()
            var positions = Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(0)) })
            var received: [TopicPartitionID: [ByteBuffer]] = [:]
            let leader = try await client.leader(of: partitions[0])
            for _ in 0..<10 where positions.values.contains(where: { $0 < 20 }) {
                let wanted = positions.mapValues { FetchSessionState.Target(offset: $0, maxBytes: 300) }
                let (sessionError, results) = try await client.fetch(wanted, from: leader, session: &session, maxWait: .milliseconds(10))
                XCTAssertNil(sessionError)
                for (partition, result) in results {
                    XCTAssertEqual(result.error, KafkaErrorCode.none)
                    var iterator = RecordBatchSequence(result.records).makeIterator()
                    while let batch = try iterator.next() {
                        received[partition, default: []].append(batch.bytes)
                        positions[partition] = batch.nextOffset
                    }
                }
            }
            for partition in partitions {
                let got = try XCTUnwrap(received[partition])
                XCTAssertEqual(got.count, 4, "\(partition)")
                for (index, (original, stored)) in zip(sent[partition]!, got).enumerated() {
                    // The broker assigns baseOffset (0..7) and the leader epoch (12..15); the
                    // rest, CRC included, is what was sent.
                    XCTAssertEqual(
                        Array(stored.readableBytesView.dropFirst(16)), Array(original.readableBytesView.dropFirst(16)),
                        "\(partition) batch \(index)")
                    XCTAssertEqual(stored.getInteger(at: stored.readerIndex, as: Int64.self), Int64(index * 5))
                }
            }
        }
    }

    func testFetchSessionBecomesIncrementalAndListsOnlyChangedPartitions() {
        var session = FetchSessionState()
        let a = TopicPartitionID("t", 0)
        let b = TopicPartitionID("t", 1)
        let wanted: [TopicPartitionID: FetchSessionState.Target] = [a: .init(offset: 0, maxBytes: 100), b: .init(offset: 0, maxBytes: 100)]
        let first = session.makeRequest(wanted: wanted, version: 12, maxWait: .milliseconds(500), minBytes: 1, maxBytes: 1000)
        XCTAssertEqual(first.sessionId, 0)
        XCTAssertEqual(first.sessionEpoch, 0)
        XCTAssertEqual(first.topics.first?.partitions.count, 2)
        _ = session.responseReceived(FetchResponse(errorCode: 0, sessionId: 77, responses: []))

        let second = session.makeRequest(
            wanted: [a: .init(offset: 5, maxBytes: 100), b: .init(offset: 0, maxBytes: 100)], version: 12,
            maxWait: .milliseconds(500), minBytes: 1, maxBytes: 1000)
        XCTAssertEqual(second.sessionId, 77)
        XCTAssertEqual(second.sessionEpoch, 1)
        XCTAssertEqual(second.topics.flatMap { $0.partitions.map(\.partition) }, [0], "only the partition that moved")
        _ = session.responseReceived(FetchResponse(errorCode: 0, sessionId: 77, responses: []))

        let third = session.makeRequest(wanted: [a: .init(offset: 5, maxBytes: 100)], version: 12, maxWait: .zero, minBytes: 1, maxBytes: 1000)
        XCTAssertEqual(third.sessionEpoch, 2)
        XCTAssertTrue(third.topics.isEmpty)
        XCTAssertEqual(third.forgottenTopicsData.first?.partitions, [1])
        let outcome = session.responseReceived(FetchResponse(errorCode: KafkaErrorCode.invalidFetchSessionEpoch.rawValue, sessionId: 0))
        XCTAssertEqual(outcome.sessionError, .invalidFetchSessionEpoch)

        let afterReset = session.makeRequest(wanted: [a: .init(offset: 5, maxBytes: 100)], version: 12, maxWait: .zero, minBytes: 1, maxBytes: 1000)
        XCTAssertEqual(afterReset.sessionId, 0)
        XCTAssertEqual(afterReset.sessionEpoch, 0)
    }
}
