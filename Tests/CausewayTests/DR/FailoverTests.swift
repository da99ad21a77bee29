import Causeway
import CausewayStore
import Foundation
import KafkaBroker
import KafkaClient
import KafkaProtocol
import NIOCore
import TestSupport
import XCTest

/// The control plane between the CLI and a running engine (pause, resume, failover
/// through the store) and failover receipts, against two embedded clusters.
final class FailoverTests: XCTestCase {
    private static func logEnd(_ client: KafkaClient, _ partition: TopicPartitionID) async throws -> Int64 {
        try await client.listOffsets([partition: .latest])[partition]!.get().offset
    }

    /// Polls `condition` every 50 ms until it holds or `deadline` passes.
    private static func waitFor(
        _ what: String, deadline: Duration = .seconds(30), file: StaticString = #filePath, line: UInt = #line,
        _ condition: () async throws -> Bool
    ) async throws {
        let end = ContinuousClock.now.advanced(by: deadline)
        while ContinuousClock.now < end {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTFail("timed out waiting for \(what)", file: file, line: line)
        throw CancellationError()
    }

    func testPauseStopsTheMirrorAndResumeCatchesUpFromTheDestinationLogEnd() async throws {
        let store = try makeStore()
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([NewTopic(name: "p.orders", partitions: 1), NewTopic(name: "p.audit", partitions: 1)])
            let orders = TopicPartitionID("p.orders", 0)
            let audit = TopicPartitionID("p.audit", 0)
            try await Self.produceBatches(source, orders, batches: 4, from: 0)
            let engine = LinkEngine(
                configuration: LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "p."), store: store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 2, offsets: 20)
                try store.setControl(topic: "p.orders", state: .paused, at: Date())
                try await Self.waitFor("the pause to be acknowledged") { try store.controls().first?.acknowledgedAt != nil }
                XCTAssertEqual(engine.status.first { $0.topic == "p.orders" }?.state, "PAUSED")
                try await Self.produceBatches(source, orders, batches: 2, from: 20)
                try await Self.produceBatches(source, audit, batches: 1, from: 0)
                // The other topic goes on; the paused one does not move, over several daemon rounds.
                try await Self.waitFor("p.audit to be mirrored") { try await Self.logEnd(destination, audit) == 5 }
                let beat = try XCTUnwrap(try store.heartbeat()).beatAt
                try await Self.waitFor("two more heartbeats") { try store.heartbeat()!.beatAt.timeIntervalSince(beat) >= 2 }
                let pausedEnd = try await Self.logEnd(destination, orders)
                XCTAssertEqual(pausedEnd, 20)
                try store.setControl(topic: "p.orders", state: nil, at: Date())
                try await Self.waitFor("p.orders to catch up after resume") { try await Self.logEnd(destination, orders) == 30 }
                XCTAssertEqual(engine.status.first { $0.topic == "p.orders" }?.state, "MIRRORING")
                group.cancelAll()
            }
            let comparison = try await PartitionVerifier(source: source, destination: destination).compare(orders)
            XCTAssertTrue(comparison.isIdentical, "\(comparison.differences)")
        }
    }

    func testFailoverStopsARunningDaemonAndARepeatChangesNothing() async throws {
        let store = try makeStore()
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([NewTopic(name: "f.orders", partitions: 2)])
            let partitions = [TopicPartitionID("f.orders", 0), TopicPartitionID("f.orders", 1)]
            for partition in partitions { try await Self.produceBatches(source, partition, batches: 3, from: 0) }
            let configuration = LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "f.")
            let engine = LinkEngine(configuration: configuration, store: store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 2, offsets: 30)
                try await Self.waitFor("the daemon's marks") { try store.marks().count == 2 }

                let outcome = try await Failover(configuration: configuration, store: store).run(topics: [])
                XCTAssertFalse(outcome.repeated)
                XCTAssertTrue(outcome.daemon.hasPrefix("acknowledged"), outcome.daemon)
                XCTAssertEqual(outcome.receipts.map(\.partition), [0, 1])
                XCTAssertEqual(outcome.receipts.map(\.recordsPossiblyLost), [0, 0])
                XCTAssertEqual(outcome.receipts.map(\.destinationLogEnd), [15, 15])
                XCTAssertTrue(outcome.receipts.allSatisfy(\.sourceAnswered))
                XCTAssertEqual(engine.status.map(\.state), ["STOPPED", "STOPPED"])

                // The source goes on; the failed-over destination does not follow, and a
                // second failover reprints the first receipts and changes nothing.
                try await Self.produceBatches(source, partitions[0], batches: 2, from: 15)
                let beat = try XCTUnwrap(try store.heartbeat()).beatAt
                try await Self.waitFor("two more heartbeats") { try store.heartbeat()!.beatAt.timeIntervalSince(beat) >= 2 }
                let stoppedEnd = try await Self.logEnd(destination, partitions[0])
                XCTAssertEqual(stoppedEnd, 15)
                let again = try await Failover(configuration: configuration, store: store).run(topics: [])
                XCTAssertTrue(again.repeated)
                XCTAssertEqual(again.receipts, outcome.receipts)
                group.cancelAll()
            }
        }
    }

    func testFailoverWithNoDaemonAndALostSourceUsesTheLastKnownHighWatermarks() async throws {
        let store = try makeStore()
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([NewTopic(name: "g.orders", partitions: 1)])
            let partition = TopicPartitionID("g.orders", 0)
            try await Self.produceBatches(source, partition, batches: 4, from: 0)
            let reachable = LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "g.")
            var configuration = reachable
            let engine = LinkEngine(configuration: configuration, store: store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 1, offsets: 20)
                try await Self.waitFor("the daemon's marks") { try store.marks().first?.destinationLogEnd == 20 }
                group.cancelAll()
            }
            // The daemon is gone; the daemon last saw 35 offsets on the source, which is now
            // unreachable (nothing listens on its address any more).
            try await Self.waitFor("the heartbeat to be cleared") { try store.heartbeat() == nil }
            var mark = try XCTUnwrap(try store.marks().first)
            mark.sourceHighWatermark = 35
            try store.recordMarks([mark])
            configuration.source.bootstrap = [.init(host: "127.0.0.1", port: 1)]
            var failover = Failover(configuration: configuration, store: store)
            failover.sourceTimeout = .seconds(2)
            let outcome = try await failover.run(topics: ["g.orders"])
            XCTAssertEqual(outcome.daemon, "not running: acting alone")
            let receipt = try XCTUnwrap(outcome.receipts.first)
            XCTAssertFalse(receipt.sourceAnswered)
            XCTAssertEqual(receipt.sourceHighWatermark, 35)
            XCTAssertEqual(receipt.destinationLogEnd, 20)
            XCTAssertEqual(receipt.recordsPossiblyLost, 15)
            XCTAssertEqual(try store.controls().map(\.state), [.failedOver])
            // A daemon started later, with the source back, leaves the failed-over topic alone.
            try await Self.produceBatches(source, partition, batches: 1, from: 20)
            let restarted = LinkEngine(configuration: reachable, store: store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await restarted.run() }
                try await Self.waitFor("the restarted daemon's heartbeat") { try store.heartbeat() != nil }
                let beat = try XCTUnwrap(try store.heartbeat()).beatAt
                try await Self.waitFor("two more heartbeats") { try store.heartbeat()!.beatAt.timeIntervalSince(beat) >= 2 }
                XCTAssertEqual(restarted.status.count, 0)
                group.cancelAll()
            }
            let finalEnd = try await Self.logEnd(destination, partition)
            XCTAssertEqual(finalEnd, 20)
        }
    }
}
