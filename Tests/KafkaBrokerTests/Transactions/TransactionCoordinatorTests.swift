import Foundation
import KafkaProtocol
import Logging
import Synchronization
import Testing
@testable import KafkaBroker

/// ``TransactionCoordinator`` over its store in a temporary directory: durability across
/// a restart, the markers it queues, and timeouts driven by a manual clock.
@Suite struct TransactionCoordinatorTests {
    static let orders0 = TopicPartition(topic: "orders", partition: 0)

    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        let clock = ManualClock(1_800_000_000_000)
        let producerIds = Mutex<Int64>(500)

        init() throws { directory = try TemporaryDirectory() }

        func open(_ configuration: TransactionCoordinatorConfiguration = TransactionCoordinatorConfiguration()) throws
            -> TransactionCoordinator
        {
            try TransactionCoordinator(
                dataDirectory: directory.path, configuration: configuration,
                allocateProducerId: { [self] in nextProducerId() },
                clock: clock, logger: Logger(label: "test"))
        }

        func nextProducerId() -> Int64 {
            producerIds.withLock { id in
                defer { id += 1 }
                return id
            }
        }

        deinit { directory.remove() }
    }

    /// The jobs queued so far (the stream is read until it has nothing ready).
    static func queuedJobs(_ coordinator: TransactionCoordinator, count: Int) async -> [TransactionMarkerJob] {
        var jobs: [TransactionMarkerJob] = []
        for await job in coordinator.markerJobs {
            jobs.append(job)
            if jobs.count == count { break }
        }
        return jobs
    }

    @Test func everyTransactionalIdSurvivesARestart() async throws {
        let fixture = try Fixture()
        let first = try fixture.open()
        let a = first.initProducerId("a", timeoutMs: 60_000, expectedProducerId: -1, expectedEpoch: -1)
        _ = first.initProducerId("a", timeoutMs: 60_000, expectedProducerId: -1, expectedEpoch: -1)
        let b = first.initProducerId("b", timeoutMs: 30_000, expectedProducerId: -1, expectedEpoch: -1)
        #expect(a.error == .none && b.error == .none && a.producerId != b.producerId)
        #expect(first.addToTransaction("a", producerId: a.producerId, epoch: 1, partitions: [Self.orders0]) == .none)
        #expect(first.addToTransaction("b", producerId: b.producerId, epoch: 0, partitions: [Self.orders0]) == .none)
        #expect(first.endTransaction("b", producerId: b.producerId, epoch: 0, commit: true) == .none)
        let before = first.allTransactions()
        first.shutdown()

        let second = try fixture.open()
        #expect(second.allTransactions() == before)
        #expect(second.transaction("a")?.state == .ongoing && second.transaction("a")?.producerEpoch == 1)
        // b was in PrepareCommit: its markers are queued again, as a recovery.
        let jobs = await Self.queuedJobs(second, count: 1)
        #expect(jobs.map(\.transactionalId) == ["b"] && jobs.first?.isRecovery == true && jobs.first?.isCommit == true)
        second.markersWritten(jobs[0])
        #expect(second.transaction("b")?.state == .completeCommit)
        // The transaction a goes on with the same producer id and epoch.
        #expect(second.endTransaction("a", producerId: a.producerId, epoch: 1, commit: false) == .none)
        second.shutdown()

        let third = try fixture.open()
        #expect(third.transaction("b")?.state == .completeCommit)
        #expect(third.transaction("a")?.state == .prepareAbort)
        third.shutdown()
    }

    @Test func aTornLastRecordIsCutAndTheRestKept() throws {
        let fixture = try Fixture()
        let first = try fixture.open()
        _ = first.initProducerId("a", timeoutMs: 60_000, expectedProducerId: -1, expectedEpoch: -1)
        _ = first.initProducerId("a", timeoutMs: 60_000, expectedProducerId: -1, expectedEpoch: -1)
        first.shutdown()
        let path = fixture.directory.path + "/transaction-coordinator/transactions.log"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.dropLast(3).write(to: URL(fileURLWithPath: path))
        let second = try fixture.open()
        #expect(second.transaction("a")?.producerEpoch == 0, "the torn second record is dropped")
        second.shutdown()
    }

    @Test func timeoutsAbortWithAFencedEpochOnlyWhenDue() async throws {
        let fixture = try Fixture()
        let coordinator = try fixture.open()
        let answer = coordinator.initProducerId("t", timeoutMs: 1000, expectedProducerId: -1, expectedEpoch: -1)
        #expect(coordinator.addToTransaction("t", producerId: answer.producerId, epoch: 0, partitions: [Self.orders0]) == .none)
        fixture.clock.advance(milliseconds: 1000)
        #expect(coordinator.abortTimedOutTransactions() == 0)
        fixture.clock.advance(milliseconds: 1)
        #expect(coordinator.abortTimedOutTransactions() == 1)
        #expect(coordinator.transaction("t")?.state == .prepareAbort && coordinator.transaction("t")?.producerEpoch == 1)
        let jobs = await Self.queuedJobs(coordinator, count: 1)
        #expect(jobs.first?.producerEpoch == 1 && jobs.first?.isCommit == false && jobs.first?.partitions == [Self.orders0])
        // The fenced producer's EndTxn.
        #expect(coordinator.endTransaction("t", producerId: answer.producerId, epoch: 0, commit: true) == .producerFenced)
        coordinator.markersWritten(jobs[0])
        #expect(coordinator.transaction("t")?.state == .completeAbort)
        #expect(coordinator.abortTimedOutTransactions() == 0)
        coordinator.shutdown()
    }

    @Test func markersOfATransactionStillEndingAreQueuedAgain() async throws {
        let fixture = try Fixture()
        let coordinator = try fixture.open()
        let answer = coordinator.initProducerId("s", timeoutMs: 60_000, expectedProducerId: -1, expectedEpoch: -1)
        #expect(coordinator.addToTransaction("s", producerId: answer.producerId, epoch: 0, partitions: [Self.orders0]) == .none)
        #expect(coordinator.endTransaction("s", producerId: answer.producerId, epoch: 0, commit: true) == .none)
        fixture.clock.advance(milliseconds: TransactionCoordinator.markerRetryDelayMilliseconds)
        #expect(coordinator.requeueStuckMarkers() == 0, "not stuck yet")
        fixture.clock.advance(milliseconds: 1)
        #expect(coordinator.requeueStuckMarkers() == 1)
        #expect(coordinator.requeueStuckMarkers() == 0, "queued again once per delay")
        fixture.clock.advance(milliseconds: TransactionCoordinator.markerRetryDelayMilliseconds + 1)
        #expect(coordinator.requeueStuckMarkers() == 1)
        let jobs = await Self.queuedJobs(coordinator, count: 3)
        #expect(jobs.map(\.isRecovery) == [false, true, true])
        coordinator.markersWritten(jobs[0])
        fixture.clock.advance(milliseconds: TransactionCoordinator.markerRetryDelayMilliseconds + 1)
        #expect(coordinator.requeueStuckMarkers() == 0, "complete")
        coordinator.shutdown()
    }

    @Test func anExpiredTransactionalIdStaysForgottenAfterARestart() throws {
        let fixture = try Fixture()
        var configuration = TransactionCoordinatorConfiguration()
        configuration.transactionalIdExpiration = .milliseconds(1000)
        let first = try fixture.open(configuration)
        _ = first.initProducerId("gone", timeoutMs: 60_000, expectedProducerId: -1, expectedEpoch: -1)
        _ = first.initProducerId("kept", timeoutMs: 60_000, expectedProducerId: -1, expectedEpoch: -1)
        fixture.clock.advance(milliseconds: 600)
        _ = first.initProducerId("kept", timeoutMs: 60_000, expectedProducerId: -1, expectedEpoch: -1)
        fixture.clock.advance(milliseconds: 401)
        #expect(first.expireTransactionalIds() == 1)
        first.shutdown()
        let second = try fixture.open(configuration)
        #expect(second.transaction("gone") == nil)
        #expect(second.transaction("kept")?.producerEpoch == 1)
        second.shutdown()
    }
}
