import Causeway
import CausewayStore
import Foundation
import KafkaBroker
import KafkaClient
import KafkaProtocol
import NIOCore
import TestSupport
import XCTest

/// Promote (zero lag, fence, timeout) and reverse (clean and divergent partitions, the
/// export file) against two embedded clusters.
final class PromoteReverseTests: XCTestCase {
    func testPromoteFencesTheSourceWaitsForZeroLagAndLosesNothing() async throws {
        let store = try makeStore()
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([NewTopic(name: "m.orders", partitions: 2)])
            let partitions = [TopicPartitionID("m.orders", 0), TopicPartitionID("m.orders", 1)]
            for partition in partitions { try await Self.produceBatches(source, partition, batches: 4, from: 0, codec: .zstd) }
            let configuration = LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "m.")
            let engine = LinkEngine(configuration: configuration, store: store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                var promote = Promote(configuration: configuration, store: store)
                promote.fence = true
                promote.timeout = .seconds(30)
                let outcome = try await promote.run(topics: [])
                XCTAssertEqual(outcome.fenced, ["m.orders"])
                XCTAssertEqual(outcome.failover.receipts.map(\.destinationLogEnd), [20, 20])
                XCTAssertEqual(outcome.failover.receipts.map(\.recordsPossiblyLost), [0, 0])
                // The fenced source refuses writes; the destination takes them.
                let refused = try await source.produce(
                    [partitions[0]: try LinkEngineTests.batch(count: 1, from: 99, codec: .none)], to: source.leader(of: partitions[0]))
                XCTAssertEqual(refused[partitions[0]]?.error, KafkaErrorCode.messageTooLarge)
                let accepted = try await destination.produce(
                    [partitions[0]: try LinkEngineTests.batch(count: 1, from: 99, codec: .none)], to: destination.leader(of: partitions[0]))
                XCTAssertEqual(accepted[partitions[0]]?.error, KafkaErrorCode.none)
                XCTAssertEqual(accepted[partitions[0]]?.baseOffset, 20)
                // The fence never reached the new primary, whose limit is the source's original.
                let limit = try await destination.describeTopicConfigs("m.orders")[Promote.fenceConfig]?.value
                XCTAssertEqual(limit, "1048588")
                group.cancelAll()
            }
        }
    }

    func testPromoteTimeoutRestoresThePauseAndTheFence() async throws {
        let store = try makeStore()
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([NewTopic(name: "t.orders", partitions: 1)])
            let partition = TopicPartitionID("t.orders", 0)
            _ = try await destination.createTopics([NewTopic(name: "t.orders", partitions: 1)])
            try await Self.produceBatches(source, partition, batches: 2, from: 0, codec: .zstd)
            let configuration = LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "t.")
            try store.setControl(topic: TopicControl.allTopics, state: .paused, at: Date())
            var promote = Promote(configuration: configuration, store: store)
            promote.fence = true
            promote.timeout = .seconds(1)
            do {
                _ = try await promote.run(topics: [])
                XCTFail("promote cannot succeed with lag")
            } catch let error as FailoverError {
                XCTAssertTrue(error.description.contains("nothing changed"), error.description)
                XCTAssertTrue(error.description.contains("t.orders-0 10"), error.description)
            }
            XCTAssertEqual(try store.controls().map(\.state), [.paused])
            XCTAssertEqual(try store.receipts(), [])
            let fence = try await source.describeTopicConfigs("t.orders")[Promote.fenceConfig]
            XCTAssertEqual(fence?.isSet, false)
            XCTAssertEqual(fence?.value, "1048588")
        }
    }

    func testReverseContinuesCleanPartitionsAndExportsDivergentTails() async throws {
        let store = try makeStore()
        let exportDirectory = temporaryPath("export")
        try FileManager.default.createDirectory(atPath: exportDirectory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: exportDirectory) }
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([NewTopic(name: "r.clean", partitions: 1), NewTopic(name: "r.diverged", partitions: 1)])
            let clean = TopicPartitionID("r.clean", 0)
            let diverged = TopicPartitionID("r.diverged", 0)
            for partition in [clean, diverged] { try await Self.produceBatches(source, partition, batches: 2, from: 0, codec: .zstd) }
            let configuration = LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "r.")
            let engine = LinkEngine(configuration: configuration, store: store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 2, offsets: 20)
                group.cancelAll()
            }
            // No daemon: 5 records reach the old primary only, then failover.
            try await Self.produceBatches(source, diverged, batches: 1, from: 10, codec: .zstd)
            let failover = try await Failover(configuration: configuration, store: store).run(topics: [])
            XCTAssertEqual(failover.receipts.map(\.recordsPossiblyLost), [0, 5])
            try await Self.produceBatches(destination, clean, batches: 1, from: 10, codec: .zstd)

            let outcome = try await Reverse(configuration: configuration, store: store, exportDirectory: exportDirectory).run()
            XCTAssertEqual(outcome.partitions.map(\.action), ["continue", "re-seed"])
            XCTAssertEqual(outcome.partitions.map(\.exportedRecords), [0, 5])
            XCTAssertEqual(outcome.reseededTopics, ["r.diverged"])
            let file = try XCTUnwrap(outcome.exportFile)
            let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n")
            XCTAssertEqual(lines.count, 5)
            let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
            XCTAssertEqual(first?["offset"] as? Int, 10)
            XCTAssertEqual(first?["key"] as? String, Data("key-10".utf8).base64EncodedString())
            XCTAssertEqual(first?["value"] as? String, Data("value-10-zstd".utf8).base64EncodedString())
            XCTAssertEqual(try store.direction(), .reversed)
            XCTAssertEqual(try store.controls(), [])
            XCTAssertEqual(try store.receipts(), [])
            let topics = try await source.refreshMetadata().topics
            XCTAssertNil(topics["r.diverged"], "the divergent topic is deleted on the old primary to be re-seeded")
            XCTAssertNotNil(topics["r.clean"])

            // The reversed link copies the new primary back: both topics end identical.
            let reversed = LinkEngine(configuration: try configuration.reversed(), store: store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await reversed.run() }
                try await LinkEngineTests.waitUntilCaughtUp(reversed, partitions: 2, offsets: 25)
                group.cancelAll()
            }
            let verifier = PartitionVerifier(source: destination, destination: source)
            for partition in [clean, diverged] {
                let comparison = try await verifier.compare(partition)
                XCTAssertTrue(comparison.isIdentical, "\(partition): \(comparison.differences)")
            }
            let oldCleanEnd = try await source.listOffsets([clean: .latest])[clean]!.get().offset
            XCTAssertEqual(oldCleanEnd, 15)
        }
    }

    func testAReverseInterruptedAfterTheDirectionFlipIsFinishedByRunningItAgain() async throws {
        let store = try makeStore()
        let now = Date()
        try store.setControl(topic: TopicControl.allTopics, state: .failedOver, at: now)
        try store.saveReceipts([
            FailoverReceipt(
                destination: "d", topic: "x.t", partition: 0, sourceHighWatermark: 5, sourceAnswered: false, destinationLogEnd: 5,
                recordsPossiblyLost: 0, failedOverAt: now, note: "")
        ])
        try store.setDirection(.reversed)
        let configuration = LinkConfiguration(
            name: "l", source: ClusterConfiguration(bootstrap: [.init(host: "127.0.0.1", port: 1)], clientID: "c"),
            destinations: [DestinationConfiguration(name: "d", cluster: ClusterConfiguration(bootstrap: [.init(host: "127.0.0.1", port: 2)], clientID: "c"))],
            topics: TopicSelection(include: [.prefix("x.")]))
        let reverse = Reverse(configuration: configuration, store: store, exportDirectory: NSTemporaryDirectory())
        _ = try await reverse.run()
        XCTAssertEqual(try store.controls(), [])
        XCTAssertEqual(try store.receipts(), [])
        do {
            _ = try await reverse.run()
            XCTFail("a finished reverse cannot run again")
        } catch let error as FailoverError {
            XCTAssertTrue(error.description.contains("already mirrors in reverse"), error.description)
        }
    }

    func testOnlyALinkWithOneDestinationCanBeReversed() throws {
        func cluster(_ host: String) -> ClusterConfiguration {
            ClusterConfiguration(bootstrap: [.init(host: host, port: 9092)], clientID: "c")
        }
        var configuration = LinkConfiguration(
            name: "l", source: cluster("a"), destinations: [DestinationConfiguration(name: "d", cluster: cluster("b"))],
            topics: TopicSelection(include: [.prefix("x")]), startPosition: .latest)
        let reversed = try configuration.reversed()
        XCTAssertEqual(reversed.source.bootstrap.first?.host, "b")
        XCTAssertEqual(reversed.destinations.map(\.name), ["source"])
        XCTAssertEqual(reversed.destinations.first?.cluster.bootstrap.first?.host, "a")
        XCTAssertEqual(reversed.startPosition, .earliest)
        XCTAssertEqual(try configuration.directed(.forward), configuration)
        configuration.destinations.append(DestinationConfiguration(name: "e", cluster: cluster("c")))
        XCTAssertThrowsError(try configuration.reversed())
    }
}
