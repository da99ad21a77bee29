import Causeway
import Foundation
import KafkaBroker
import KafkaClient
import KafkaProtocol
import NIOCore
import TestSupport
import XCTest

/// Consumer-offset sync between two embedded clusters.
final class ConsumerOffsetSyncTests: XCTestCase {
    private static func produce(_ count: Int, to partition: TopicPartitionID, on client: KafkaClient) async throws {
        let bytes = try LinkEngineTests.batch(count: count, from: 0, codec: .none)
        let result = try await client.produce([partition: bytes], to: client.leader(of: partition))
        XCTAssertEqual(result[partition]?.error, KafkaErrorCode.none)
    }

    /// Makes `group` active on `client`'s cluster: one member joined (JoinGroup v3, no
    /// member id round trip), so the group is CompletingRebalance with a member.
    private static func join(_ group: String, on client: KafkaClient) async throws {
        let node = try await client.retrying { try await client.coordinator(ofGroup: group) }
        let request = JoinGroupRequest(
            groupId: group, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId: "", protocolType: "consumer",
            protocols: [.init(name: "range", metadata: ConsumerProtocolSubscription(topics: ["m.orders"]).encodeVersioned(version: 1))])
        let response = try await client.connection(to: node).send(request, version: 3)
        XCTAssertEqual(response.errorCode, 0)
    }

    func testSyncsSelectedGroupsClampedWithMetadataAndSkipsActiveOnes() async throws {
        try await withSourceAndDestination { _, source, _, destination in
            for client in [source, destination] {
                _ = try await client.createTopics([NewTopic(name: "m.orders", partitions: 2), NewTopic(name: "unmirrored", partitions: 1)])
            }
            let p0 = TopicPartitionID("m.orders", 0)
            let p1 = TopicPartitionID("m.orders", 1)
            let unmirrored = TopicPartitionID("unmirrored", 0)
            // The mirror of p0 lags: 10 records on the source, 6 on the destination.
            try await Self.produce(10, to: p0, on: source)
            try await Self.produce(6, to: p0, on: destination)
            try await Self.produce(4, to: p1, on: source)
            try await Self.produce(4, to: p1, on: destination)
            try await Self.produce(3, to: unmirrored, on: source)
            try await Self.produce(3, to: unmirrored, on: destination)

            let commits: [(String, [TopicPartitionID: GroupOffset])] = [
                ("app", [p0: GroupOffset(offset: 8, metadata: "a0"), p1: GroupOffset(offset: 4, metadata: "a1"), unmirrored: GroupOffset(offset: 2)]),
                ("busy", [p0: GroupOffset(offset: 2)]),
                ("excluded.batch", [p0: GroupOffset(offset: 3)]),
                ("unselected", [p0: GroupOffset(offset: 1)]),
            ]
            for (group, offsets) in commits {
                let errors = try await source.commitGroupOffsets(group, offsets)
                XCTAssertTrue(errors.values.allSatisfy { $0 == nil }, "\(group): \(errors)")
            }
            try await Self.join("busy", on: destination)

            let sync = ConsumerOffsetSync(
                selection: GroupSelection(include: [.name("app"), .name("busy"), .prefix("excluded.")], exclude: [.prefix("excluded.")]),
                topics: TopicSelection(include: [.prefix("m.")]), source: source, destinations: [("dr", destination)])
            let report = try await sync.syncOnce()

            XCTAssertEqual(report.groups.map(\.group), ["app", "busy"], "only selected groups, exclude wins")
            let app = try XCTUnwrap(report.result(group: "app", destination: "dr"))
            XCTAssertEqual(app.outcome, "SYNCED", app.reason ?? "")
            XCTAssertEqual(report.committed(group: "app", destination: "dr"), [p0: 6, p1: 4])
            XCTAssertEqual(app.committed.first { $0.partition == 0 }?.clamped, true)
            let busy = try XCTUnwrap(report.result(group: "busy", destination: "dr"))
            XCTAssertEqual(busy.outcome, "SKIPPED")
            XCTAssertTrue(busy.committed.isEmpty)

            var onDestination = try await destination.fetchGroupOffsets("app")
            XCTAssertEqual(onDestination[p0], GroupOffset(offset: 6, leaderEpoch: -1, metadata: "a0"), "clamped, metadata kept")
            XCTAssertEqual(onDestination[p1], GroupOffset(offset: 4, leaderEpoch: -1, metadata: "a1"))
            XCTAssertNil(onDestination[unmirrored], "a topic the link does not mirror")
            let busyOffsets = try await destination.fetchGroupOffsets("busy")
            XCTAssertTrue(busyOffsets.isEmpty, "a group with members on the destination is left alone")
            let excluded = try await destination.fetchGroupOffsets("excluded.batch")
            XCTAssertTrue(excluded.isEmpty)

            // Nothing changed: nothing is written again.
            let idle = try await sync.syncOnce()
            XCTAssertEqual(idle.committed(group: "app", destination: "dr"), [:])

            // The mirror catches up: the offset follows, unclamped.
            try await Self.produce(4, to: p0, on: destination)
            let caughtUp = try await sync.syncOnce()
            XCTAssertEqual(caughtUp.committed(group: "app", destination: "dr"), [p0: 8])
            XCTAssertEqual(caughtUp.result(group: "app", destination: "dr")?.committed.first?.clamped, false)
            onDestination = try await destination.fetchGroupOffsets("app")
            XCTAssertEqual(onDestination[p0], GroupOffset(offset: 8, leaderEpoch: -1, metadata: "a0"))
        }
    }

    /// A destination that cannot be reached fails on its own; the other is synced.
    func testAnUnreachableDestinationDoesNotStopTheOthers() async throws {
        try await withSourceAndDestination { _, source, _, destination in
            for client in [source, destination] { _ = try await client.createTopics([NewTopic(name: "m.orders", partitions: 1)]) }
            let partition = TopicPartitionID("m.orders", 0)
            try await Self.produce(5, to: partition, on: source)
            try await Self.produce(5, to: partition, on: destination)
            _ = try await source.commitGroupOffsets("app", [partition: GroupOffset(offset: 5, metadata: "x")])
            // A port nothing listens on: bound by a broker that is gone.
            let closedPort = try await withEmbeddedCluster { cluster, _ in cluster.nodes[0].port }
            var configuration = KafkaClientConfiguration(bootstrap: "127.0.0.1:\(closedPort)")!
            configuration.requestTimeout = .seconds(2)
            let gone = KafkaClient(configuration: configuration)

            let sync = ConsumerOffsetSync(
                selection: GroupSelection(include: [.name("app")]), topics: TopicSelection(include: [.prefix("m.")]), source: source,
                destinations: [("gone", gone), ("dr", destination)])
            let report = try await sync.syncOnce()
            XCTAssertEqual(report.result(group: "app", destination: "gone")?.outcome, "FAILED")
            XCTAssertEqual(report.result(group: "app", destination: "dr")?.outcome, "SYNCED")
            XCTAssertEqual(report.committed(group: "app", destination: "dr"), [partition: 5])
            await gone.shutdown()
        }
    }

    /// The engine runs the sync as its own task: a group's commit on the source reaches
    /// the destination once its records are mirrored, and the status reports it.
    func testTheLinkEngineSyncsOffsetsEverySyncInterval() async throws {
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([NewTopic(name: "m.orders", partitions: 1)])
            let partition = TopicPartitionID("m.orders", 0)
            try await Self.produce(20, to: partition, on: source)
            _ = try await source.commitGroupOffsets("app", [partition: GroupOffset(offset: 15, metadata: "hello")])

            var configuration = LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "m.")
            configuration.groups = GroupSelection(include: [.name("app")], syncInterval: .milliseconds(200))
            let engine = LinkEngine(configuration: configuration)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                let deadline = ContinuousClock.now.advanced(by: .seconds(30))
                var synced: GroupOffset?
                while ContinuousClock.now < deadline {
                    synced = try? await destination.fetchGroupOffsets("app")[partition]
                    if synced?.offset == 15 { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                XCTAssertEqual(synced, GroupOffset(offset: 15, leaderEpoch: -1, metadata: "hello"))
                XCTAssertEqual(engine.lastOffsetSync?.result(group: "app", destination: "dr")?.outcome, "SYNCED")
                group.cancelAll()
            }
        }
    }
}
