import Causeway
import Foundation
import KafkaBroker
import KafkaClient
import KafkaProtocol
import NIOCore
import TestSupport
import XCTest

/// What a restarted link finds on the destination: foreign writes, its own interrupted
/// bootstrap, and divergences it reported before the restart.
final class LinkRestartTests: XCTestCase {
    private static func run(_ engine: LinkEngine, until condition: @escaping @Sendable ([PartitionStatus]) -> Bool) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await engine.run() }
            let clock = ContinuousClock()
            let end = clock.now.advanced(by: .seconds(30))
            while clock.now < end, !condition(engine.status) {
                try await Task.sleep(for: .milliseconds(50))
            }
            XCTAssertTrue(condition(engine.status), "\(engine.status.map { "\($0.topic)-\($0.partition) \($0.state) \($0.reason ?? "")" })")
            group.cancelAll()
        }
    }

    func testAForeignWriteWhileTheDaemonWasDownIsFoundAtStartAndSurvivesRestarts() async throws {
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([NewTopic(name: "x.t", partitions: 1)])
            let id = TopicPartitionID("x.t", 0)
            _ = try await source.produce([id: try LinkEngineTests.batch(count: 5, from: 0, codec: .none)], to: source.leader(of: id))
            let link = LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "x.")
            try await Self.run(LinkEngine(configuration: link)) { status in status.first?.destinationLogEnd == 5 }

            // While no daemon runs, someone writes to the mirror and the source moves on.
            _ = try await destination.produce([id: try LinkEngineTests.batch(count: 1, from: 50, codec: .none)], to: destination.leader(of: id))
            _ = try await source.produce([id: try LinkEngineTests.batch(count: 5, from: 5, codec: .none)], to: source.leader(of: id))

            for _ in 0..<2 {
                try await Self.run(LinkEngine(configuration: link)) { status in status.first?.state == "DIVERGED" }
            }
            let end = try await destination.listOffsets([id: .latest])[id]!.get().offset
            XCTAssertEqual(end, 6, "nothing was written over the foreign record")
        }
    }

    func testFinishesABootstrapThatACrashInterruptedBeforeDeleteRecords() async throws {
        try await Self.interruptedBootstrap(fillersUpTo: 20)
    }

    func testResumesABootstrapThatACrashInterruptedMidFillers() async throws {
        try await Self.interruptedBootstrap(fillersUpTo: 12)
    }

    /// A previous daemon created the mirror topic and wrote bootstrap fillers up to
    /// `fillersUpTo` (the source starts at 20), then died.
    private static func interruptedBootstrap(fillersUpTo fillerEnd: Int64) async throws {
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([NewTopic(name: "y.t", partitions: 1)])
            let id = TopicPartitionID("y.t", 0)
            for round in 0..<4 {
                _ = try await source.produce([id: try LinkEngineTests.batch(count: 10, from: round * 10, codec: .gzip)], to: source.leader(of: id))
            }
            _ = try await source.deleteRecords(before: [id: 20])
            let link = LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "y.")
            _ = try await destination.createTopics([NewTopic(name: "y.t", partitions: 1, configs: ["compression.type": "producer", "message.timestamp.type": "CreateTime"])])
            for plan in try FillerBatches.make(from: 0, to: fillerEnd, reason: .bootstrap, maxRecordsPerBatch: 5) {
                var bytes = plan.batch.bytes
                bytes.setRecordBatchBaseOffset(0, at: bytes.readerIndex)
                _ = try await destination.produce([id: bytes], to: destination.leader(of: id))
            }
            let startBefore = try await destination.listOffsets([id: .earliest])[id]!.get().offset
            XCTAssertEqual(startBefore, 0)

            try await Self.run(LinkEngine(configuration: link)) { status in
                status.first?.state == "MIRRORING" && status.first?.destinationLogEnd == 40
            }
            let startAfter = try await destination.listOffsets([id: .earliest])[id]!.get().offset
            XCTAssertEqual(startAfter, 20)
            let comparison = try await PartitionVerifier(source: source, destination: destination).compare(id)
            XCTAssertTrue(comparison.isIdentical, "\(comparison.differences)")
            XCTAssertEqual(comparison.fidelity, "exact")
        }
    }
}
