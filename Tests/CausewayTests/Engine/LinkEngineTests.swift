import Causeway
import Foundation
import KafkaBroker
import KafkaClient
import KafkaProtocol
import NIOCore
import TestSupport
import XCTest

/// The engine against two embedded clusters: every record lands at its source offset
/// with its bytes, checked offset by offset with `PartitionVerifier`.
final class LinkEngineTests: XCTestCase {
    static func link(from source: EmbeddedCluster, to destination: EmbeddedCluster, prefix: String) -> LinkConfiguration {
        func cluster(_ embedded: EmbeddedCluster) -> ClusterConfiguration {
            ClusterConfiguration(
                bootstrap: embedded.nodes.map { .init(host: $0.host, port: $0.port) }, clientID: "causeway-test",
                requestTimeout: .seconds(5))
        }
        return LinkConfiguration(
            name: "test", source: cluster(source),
            destinations: [DestinationConfiguration(name: "dr", cluster: cluster(destination))],
            topics: TopicSelection(include: [.prefix(prefix)], discoveryInterval: .milliseconds(200)),
            fetch: FetchTuning(maxWait: .milliseconds(50)))
    }

    static func batch(
        count: Int, from first: Int, codec: CompressionCodec, producer: (id: Int64, sequence: Int32)? = nil
    ) throws -> ByteBuffer {
        var builder = RecordBatchBuilder(baseTimestamp: Int64(Date().timeIntervalSince1970 * 1000) - 60_000, codec: codec)
        if let producer {
            builder.producerId = producer.id
            builder.producerEpoch = 0
            builder.baseSequence = producer.sequence
        }
        for index in 0..<count {
            builder.append(
                key: ByteBuffer(string: "key-\(first + index)"), value: ByteBuffer(string: "value-\(first + index)-\(codec.name)"),
                headers: [RecordHeader(key: "h", value: ByteBuffer(string: "\(index)"))],
                timestampDelta: Int64(index), offsetDelta: Int32(index), attributes: 0)
        }
        return try builder.build().bytes
    }

    /// Waits until `partitions` partitions mirror with no lag and `offsets` offsets in
    /// all on the destination, or fails.
    static func waitUntilCaughtUp(
        _ engine: LinkEngine, partitions: Int, offsets: Int64, deadline: Duration = .seconds(60),
        file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: deadline)
        while clock.now < end {
            let status = engine.status
            if status.count >= partitions, status.allSatisfy({ $0.state == "MIRRORING" && $0.lagRecords == 0 }),
                status.reduce(0, { $0 + $1.destinationLogEnd }) >= offsets
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("not caught up in time: \(engine.status.map { "\($0.topic)-\($0.partition) \($0.state) lag \($0.lagRecords) \($0.reason ?? "")" })", file: file, line: line)
    }

    func testMirrorsEveryCodecPlainAndIdempotentAtTheSameOffsetsAndBytes() async throws {
        try await withSourceAndDestination(sourceNodes: 2) { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([NewTopic(name: "m.orders", partitions: 3), NewTopic(name: "m.audit", partitions: 1)])
            var producerSequence: [Int: Int32] = [:]
            for round in 0..<6 {
                for partition in 0..<3 {
                    let id = TopicPartitionID("m.orders", Int32(partition))
                    let codec = CompressionCodec.allCases[(round + partition) % 5]
                    let idempotent = round % 2 == 1
                    let sequence = producerSequence[partition, default: 0]
                    let bytes = try Self.batch(
                        count: 7, from: round * 7, codec: codec, producer: idempotent ? (Int64(100 + partition), sequence) : nil)
                    if idempotent { producerSequence[partition] = sequence + 7 }
                    let result = try await source.produce([id: bytes], to: source.leader(of: id))
                    XCTAssertEqual(result[id]?.error, KafkaErrorCode.none)
                }
            }
            let engine = LinkEngine(configuration: Self.link(from: sourceCluster, to: destinationCluster, prefix: "m."))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                try await Self.waitUntilCaughtUp(engine, partitions: 4, offsets: 6 * 3 * 7)
                // Keep writing while the link runs.
                let live = TopicPartitionID("m.audit", 0)
                for round in 0..<5 {
                    _ = try await source.produce([live: try Self.batch(count: 3, from: round * 3, codec: .lz4)], to: source.leader(of: live))
                }
                try await Self.waitUntilCaughtUp(engine, partitions: 4, offsets: 6 * 3 * 7 + 15)
                group.cancelAll()
            }
            let verifier = PartitionVerifier(source: source, destination: destination)
            for partition in [("m.orders", 0), ("m.orders", 1), ("m.orders", 2), ("m.audit", 0)] {
                let comparison = try await verifier.compare(TopicPartitionID(partition.0, Int32(partition.1)))
                XCTAssertTrue(comparison.isIdentical, "\(partition): \(comparison.differences)")
                XCTAssertEqual(comparison.fidelity, "exact", "\(partition)")
                XCTAssertGreaterThan(comparison.comparedRecords, 0)
            }
            let configs = try await destination.describeTopicConfigs("m.orders")
            XCTAssertEqual(configs["compression.type"]?.value, "producer")
            XCTAssertEqual(configs["message.timestamp.type"]?.value, "CreateTime")
        }
    }

    func testBootstrapsAPartitionWhoseSourceLogStartIsAboveZero() async throws {
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([NewTopic(name: "b.trimmed", partitions: 1)])
            let id = TopicPartitionID("b.trimmed", 0)
            for round in 0..<10 {
                _ = try await source.produce([id: try Self.batch(count: 10, from: round * 10, codec: .none)], to: source.leader(of: id))
            }
            let deleted = try await source.deleteRecords(before: [id: 55])
            XCTAssertEqual(try deleted[id]?.get(), 55)
            let engine = LinkEngine(configuration: Self.link(from: sourceCluster, to: destinationCluster, prefix: "b."))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                try await Self.waitUntilCaughtUp(engine, partitions: 1, offsets: 100)
                group.cancelAll()
            }
            let earliest = try await destination.listOffsets([id: .earliest])[id]!.get().offset
            XCTAssertEqual(earliest, 55, "the destination starts where the source does")
            let comparison = try await PartitionVerifier(source: source, destination: destination).compare(id)
            XCTAssertTrue(comparison.isIdentical, "\(comparison.differences)")
        }
    }

    func testAWriteByAnyoneElseMakesThatPartitionDivergedAndTheOthersGoOn() async throws {
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([NewTopic(name: "d.t", partitions: 2)])
            let engine = LinkEngine(configuration: Self.link(from: sourceCluster, to: destinationCluster, prefix: "d."))
            let victim = TopicPartitionID("d.t", 0)
            let bystander = TopicPartitionID("d.t", 1)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                for id in [victim, bystander] {
                    _ = try await source.produce([id: try Self.batch(count: 5, from: 0, codec: .none)], to: source.leader(of: id))
                }
                try await Self.waitUntilCaughtUp(engine, partitions: 2, offsets: 10)
                // Someone writes to the mirror directly.
                _ = try await destination.produce([victim: try Self.batch(count: 1, from: 99, codec: .none)], to: destination.leader(of: victim))
                for id in [victim, bystander] {
                    _ = try await source.produce([id: try Self.batch(count: 5, from: 5, codec: .none)], to: source.leader(of: id))
                }
                let clock = ContinuousClock()
                let end = clock.now.advanced(by: .seconds(30))
                while clock.now < end {
                    let status = engine.status
                    let victimLine = status.first { $0.partition == 0 }
                    let bystanderLine = status.first { $0.partition == 1 }
                    if victimLine?.state == "DIVERGED", bystanderLine?.destinationLogEnd == 10 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                let status = engine.status
                let victimLine = try XCTUnwrap(status.first { $0.partition == 0 })
                XCTAssertEqual(victimLine.state, "DIVERGED")
                XCTAssertTrue(victimLine.reason?.contains("5") ?? false, "names the offset: \(victimLine.reason ?? "")")
                XCTAssertEqual(status.first { $0.partition == 1 }?.destinationLogEnd, 10)
                XCTAssertEqual(status.first { $0.partition == 1 }?.state, "MIRRORING")
                group.cancelAll()
            }
        }
    }
}
