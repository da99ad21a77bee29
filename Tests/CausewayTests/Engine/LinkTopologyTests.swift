import Causeway
import Foundation
import KafkaBroker
import KafkaClient
import KafkaProtocol
import Logging
import NIOCore
import TestSupport
import XCTest

/// Fan-out to two destinations, source topics that grow, config sync, and LogAppendTime
/// source topics.
final class LinkTopologyTests: XCTestCase {
    private static func cluster(_ embedded: EmbeddedCluster) -> ClusterConfiguration {
        ClusterConfiguration(bootstrap: embedded.nodes.map { .init(host: $0.host, port: $0.port) }, clientID: "test", requestTimeout: .seconds(5))
    }

    func testFanOutFetchesEachBatchOnceAndWritesBoth() async throws {
        try await withSourceAndDestination { sourceCluster, source, firstCluster, first in
            try await withEmbeddedCluster { secondCluster, second in
                _ = try await source.createTopics([NewTopic(name: "f.t", partitions: 4)])
                var sourceBytes = 0
                for round in 0..<10 {
                    for partition in 0..<4 {
                        let id = TopicPartitionID("f.t", Int32(partition))
                        let bytes = try LinkEngineTests.batch(count: 20, from: round * 20, codec: CompressionCodec.allCases[round % 5])
                        sourceBytes += bytes.readableBytes
                        _ = try await source.produce([id: bytes], to: source.leader(of: id))
                    }
                }
                let link = LinkConfiguration(
                    name: "fan", source: Self.cluster(sourceCluster),
                    destinations: [
                        DestinationConfiguration(name: "one", cluster: Self.cluster(firstCluster)),
                        DestinationConfiguration(name: "two", cluster: Self.cluster(secondCluster)),
                    ],
                    topics: TopicSelection(include: [.prefix("f.")], discoveryInterval: .milliseconds(200)),
                    fetch: FetchTuning(maxWait: .milliseconds(50)))
                let engine = LinkEngine(configuration: link)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await engine.run() }
                    try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 8, offsets: 2 * 800)
                    group.cancelAll()
                }
                for destination in [first, second] {
                    let verifier = PartitionVerifier(source: source, destination: destination)
                    for partition in 0..<4 {
                        let comparison = try await verifier.compare(TopicPartitionID("f.t", Int32(partition)))
                        XCTAssertTrue(comparison.isIdentical, "\(comparison.differences)")
                        XCTAssertEqual(comparison.fidelity, "exact")
                    }
                }
                // Each source byte was fetched about once, not once per destination. (Two
                // destinations starting at different moments may each ask for the first
                // batches, hence the margin.)
                XCTAssertLessThan(engine.fetchedBytes, Int64(Double(sourceBytes) * 1.5), "fetched \(engine.fetchedBytes) for \(sourceBytes) source bytes")
                XCTAssertGreaterThanOrEqual(engine.fetchedBytes, Int64(sourceBytes))
            }
        }
    }

    /// One destination goes away while the source takes several times the link's
    /// buffer: the other destination still receives everything, because the stalled
    /// one only fills its own bounded buffer and the fan-out cache.
    func testAStalledDestinationDoesNotHoldBackTheOther() async throws {
        try await withSourceAndDestination { sourceCluster, source, fastCluster, fast in
            try await withEmbeddedCluster { stalledCluster, _ in
                _ = try await source.createTopics([NewTopic(name: "s.t", partitions: 4)])
                let link = LinkConfiguration(
                    name: "stall", source: Self.cluster(sourceCluster),
                    destinations: [
                        DestinationConfiguration(name: "fast", cluster: Self.cluster(fastCluster)),
                        DestinationConfiguration(name: "stalled", cluster: Self.cluster(stalledCluster)),
                    ],
                    topics: TopicSelection(include: [.prefix("s.")], discoveryInterval: .milliseconds(200)),
                    fetch: FetchTuning(maxBytes: 512 << 10, partitionMaxBytes: 128 << 10, maxWait: .milliseconds(50)),
                    produce: ProduceTuning(bufferBytes: 1 << 20))
                let engine = LinkEngine(configuration: link)
                let value = ByteBuffer(repeating: 0x61, count: 1000)
                func write(rounds: Range<Int>) async throws -> Int {
                    var bytes = 0
                    for round in rounds {
                        for partition in 0..<4 {
                            let id = TopicPartitionID("s.t", Int32(partition))
                            var builder = RecordBatchBuilder(baseTimestamp: Int64(Date().timeIntervalSince1970 * 1000))
                            for index in 0..<50 { builder.append(key: ByteBuffer(string: "\(round)-\(index)"), value: value) }
                            let batch = try builder.build().bytes
                            bytes += batch.readableBytes
                            _ = try await source.produce([id: batch], to: source.leader(of: id))
                        }
                    }
                    return bytes
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await engine.run() }
                    _ = try await write(rounds: 0..<2)
                    try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 8, offsets: 2 * 4 * 2 * 50)
                    stalledCluster.stop()
                    let written = try await write(rounds: 2..<32)
                    XCTAssertGreaterThan(written, 4 * link.produce.bufferBytes, "the source takes several buffers' worth")
                    let total: Int64 = 4 * 32 * 50
                    let deadline = ContinuousClock.now.advanced(by: .seconds(60))
                    while ContinuousClock.now < deadline {
                        let lines = engine.status.filter { $0.destination == "fast" }
                        if lines.count == 4, lines.reduce(0, { $0 + $1.destinationLogEnd }) == total { break }
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    let stalled = engine.status.filter { $0.destination == "stalled" }
                    XCTAssertLessThan(stalled.reduce(0) { $0 + $1.destinationLogEnd }, total, "the stalled destination got nothing new")
                    group.cancelAll()
                }
                let verifier = PartitionVerifier(source: source, destination: fast)
                for partition in 0..<4 {
                    let comparison = try await verifier.compare(TopicPartitionID("s.t", Int32(partition)))
                    XCTAssertTrue(comparison.isIdentical, "\(comparison.differences)")
                    XCTAssertEqual(comparison.comparedRecords, 32 * 50)
                }
            }
        }
    }

    func testGrowsPartitionsSyncsConfigsAndMirrorsLogAppendTimeTopics() async throws {
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([
                NewTopic(name: "g.grow", partitions: 2, configs: ["retention.ms": "86400000"]),
                NewTopic(name: "g.appendtime", partitions: 1, configs: ["message.timestamp.type": "LogAppendTime"]),
            ])
            var link = LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "g.")
            link.configSync.interval = .milliseconds(200)
            let engine = LinkEngine(configuration: link)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                let appendTime = TopicPartitionID("g.appendtime", 0)
                for round in 0..<3 {
                    _ = try await source.produce([appendTime: try LinkEngineTests.batch(count: 5, from: round * 5, codec: .gzip)], to: source.leader(of: appendTime))
                }
                try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 3, offsets: 15)

                // The source grows to 4 partitions and changes a synced config.
                _ = try await source.createPartitions(["g.grow": 4])
                try await source.alterTopicConfigs("g.grow", ["retention.ms": "3600000"])
                let grown = TopicPartitionID("g.grow", 3)
                _ = try await source.produce([grown: try LinkEngineTests.batch(count: 4, from: 0, codec: .zstd)], to: source.leader(of: grown))
                try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 5, offsets: 19)

                let clock = ContinuousClock()
                let deadline = clock.now.advanced(by: .seconds(20))
                var retention: String?
                while clock.now < deadline {
                    retention = try await destination.describeTopicConfigs("g.grow")["retention.ms"]?.value
                    if retention == "3600000" { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                XCTAssertEqual(retention, "3600000", "the changed source config reaches the destination")
                group.cancelAll()
            }
            let snapshot = try await destination.refreshMetadata(topics: ["g.grow"])
            XCTAssertEqual(snapshot.topics["g.grow"]?.partitions.count, 4)
            let verifier = PartitionVerifier(source: source, destination: destination)
            let grown = try await verifier.compare(TopicPartitionID("g.grow", 3))
            XCTAssertTrue(grown.isIdentical, "\(grown.differences)")
            // LogAppendTime batches arrive as CreateTime with the append time as record
            // time: the records are identical (timestamps included), the header is not.
            let appendTime = try await verifier.compare(TopicPartitionID("g.appendtime", 0))
            XCTAssertTrue(appendTime.isIdentical, "\(appendTime.differences)")
            XCTAssertEqual(appendTime.fidelity, "records")
            XCTAssertEqual(appendTime.comparedRecords, 15)
        }
    }
}

/// A compacted source: holes inside batches and between them are filled, so every
/// surviving record keeps its offset.
final class LinkCompactionTests: XCTestCase {
    func testACompactedSourceWithHolesKeepsEveryOffset() async throws {
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([
                NewTopic(name: "c.table", partitions: 1, configs: ["cleanup.policy": "compact", "segment.bytes": "2048"])
            ])
            let id = TopicPartitionID("c.table", 0)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            // 30 batches of 5 records over 7 keys: most records are overwritten later.
            for round in 0..<30 {
                var builder = RecordBatchBuilder(baseTimestamp: now, codec: round % 2 == 0 ? .none : .zstd)
                for index in 0..<5 {
                    builder.append(
                        key: ByteBuffer(string: "key-\((round * 5 + index) % 7)"), value: ByteBuffer(string: "v\(round)-\(index)"),
                        headers: [], timestampDelta: Int64(index), offsetDelta: Int32(index), attributes: 0)
                }
                _ = try await source.produce([id: try builder.build().bytes], to: source.leader(of: id))
            }
            try sourceCluster.cleanNow(topic: "c.table")

            let engine = LinkEngine(configuration: LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "c."))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 1, offsets: 150)
                group.cancelAll()
            }
            let comparison = try await PartitionVerifier(source: source, destination: destination).compare(id)
            XCTAssertTrue(comparison.isIdentical, "\(comparison.differences)")
            XCTAssertGreaterThan(comparison.fillers, 0, "compaction left holes, so fillers stand in for them")
            XCTAssertEqual(comparison.fidelity, "filled")
            XCTAssertEqual(comparison.destinationHighWatermark, 150)
        }
    }
}
