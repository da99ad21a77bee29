import Causeway
import Foundation
import KafkaClient
import KafkaProtocol
import NIOCore
import TestSupport
import XCTest

final class PartitionVerifierTests: XCTestCase {
    private static func batch(_ values: [String], codec: CompressionCodec = .none, timestamp: Int64) throws -> ByteBuffer {
        var builder = RecordBatchBuilder(baseTimestamp: timestamp, codec: codec)
        for (index, value) in values.enumerated() {
            builder.append(
                key: ByteBuffer(string: "k\(index)"), value: ByteBuffer(string: value), headers: [],
                timestampDelta: Int64(index), offsetDelta: Int32(index), attributes: 0)
        }
        return try builder.build().bytes
    }

    /// Writes the same batches, in the same order, to the partition on both clusters.
    private static func writeBoth(
        _ batches: [ByteBuffer], _ partition: TopicPartitionID, _ source: KafkaClient, _ destination: KafkaClient
    ) async throws {
        for bytes in batches {
            for client in [source, destination] {
                let result = try await client.produce([partition: bytes], to: client.leader(of: partition))
                XCTAssertEqual(result[partition]?.error, KafkaErrorCode.none)
            }
        }
    }

    func testIdenticalPartitionsCompareExact() async throws {
        try await withSourceAndDestination { _, source, _, destination in
            for client in [source, destination] { _ = try await client.createTopics([NewTopic(name: "t", partitions: 1)]) }
            let partition = TopicPartitionID("t", 0)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let batches = try CompressionCodec.allCases.map { try Self.batch(["a", "b", "c"], codec: $0, timestamp: now) }
            try await Self.writeBoth(batches, partition, source, destination)
            let comparison = try await PartitionVerifier(source: source, destination: destination).compare(partition)
            XCTAssertTrue(comparison.isIdentical, "\(comparison.differences)")
            XCTAssertEqual(comparison.identicalBatches, 5)
            XCTAssertEqual(comparison.comparedRecords, 15)
            XCTAssertEqual(comparison.fidelity, "exact")
        }
    }

    func testFindsAPlantedDifferenceAnExtraRecordAndMissingOnes() async throws {
        try await withSourceAndDestination { _, source, _, destination in
            for client in [source, destination] { _ = try await client.createTopics([NewTopic(name: "t", partitions: 2)]) }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let changed = TopicPartitionID("t", 0)
            try await Self.writeBoth([try Self.batch(["a", "b"], timestamp: now)], changed, source, destination)
            // Same offsets, one value differs.
            _ = try await source.produce([changed: try Self.batch(["c", "d"], timestamp: now)], to: source.leader(of: changed))
            _ = try await destination.produce([changed: try Self.batch(["c", "X"], timestamp: now)], to: destination.leader(of: changed))
            // And someone wrote one more record to the destination only.
            _ = try await destination.produce([changed: try Self.batch(["extra"], timestamp: now)], to: destination.leader(of: changed))

            let comparison = try await PartitionVerifier(source: source, destination: destination).compare(changed)
            XCTAssertFalse(comparison.isIdentical)
            XCTAssertEqual(comparison.mismatched, 1)
            XCTAssertEqual(comparison.extra, 1)
            XCTAssertEqual(comparison.differences.first?.offset, 3)
            XCTAssertEqual(comparison.differences.first?.kind, .mismatch(field: "value"))

            let lagging = TopicPartitionID("t", 1)
            _ = try await source.produce([lagging: try Self.batch(["1", "2", "3"], timestamp: now)], to: source.leader(of: lagging))
            let lag = try await PartitionVerifier(source: source, destination: destination).compare(lagging)
            XCTAssertEqual(lag.missing, 3)
            XCTAssertEqual(lag.differences.first?.kind, .missing)
        }
    }
}

extension PartitionVerifierTests {
    /// A live mirror behind its source is lag, not a difference; a bound stops the walk;
    /// a record past the source's high watermark is still extra.
    func testCompareMirrorReportsLagApartFromDifferences() async throws {
        try await withSourceAndDestination { _, source, _, destination in
            for client in [source, destination] { _ = try await client.createTopics([NewTopic(name: "t", partitions: 1)]) }
            let partition = TopicPartitionID("t", 0)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let first = try Self.batch(["a", "b", "c"], timestamp: now)
            let second = try Self.batch(["d", "e"], timestamp: now)
            _ = try await source.produce([partition: first], to: source.leader(of: partition))
            _ = try await source.produce([partition: second], to: source.leader(of: partition))
            _ = try await destination.produce([partition: first], to: destination.leader(of: partition))
            let verifier = PartitionVerifier(source: source, destination: destination)

            let behind = try await verifier.compareMirror(partition)
            XCTAssertTrue(behind.isIdentical, "\(behind.differences)")
            XCTAssertEqual(behind.lag, 2)
            XCTAssertEqual(behind.comparedRecords, 3)
            let strict = try await verifier.compare(partition)
            XCTAssertEqual(strict.missing, 2, "the strict comparison counts the lag as missing")

            let bounded = try await verifier.compareMirror(partition, upTo: 2)
            XCTAssertTrue(bounded.isIdentical)
            XCTAssertEqual(bounded.lag, 0)

            _ = try await destination.produce([partition: second], to: destination.leader(of: partition))
            _ = try await destination.produce([partition: try Self.batch(["intruder"], timestamp: now)], to: destination.leader(of: partition))
            let ahead = try await verifier.compareMirror(partition)
            XCTAssertEqual(ahead.lag, 0)
            XCTAssertEqual(ahead.extra, 1)
            XCTAssertEqual(ahead.differences.first?.offset, 5)
            XCTAssertEqual(ahead.differences.first?.kind, .extra)
        }
    }
}
