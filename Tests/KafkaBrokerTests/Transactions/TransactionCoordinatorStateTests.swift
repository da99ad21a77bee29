import KafkaProtocol
import NIOCore
import Testing
@testable import KafkaBroker

/// ``TransactionCoordinatorState`` as scripts: request in, error and change out.
@Suite struct TransactionCoordinatorStateTests {
    static let orders0 = TopicPartition(topic: "orders", partition: 0)
    static let orders1 = TopicPartition(topic: "orders", partition: 1)

    /// A coordinator state with a clock and a producer id counter.
    struct Script {
        var state = TransactionCoordinatorState(maximumTimeoutMs: 900_000)
        var now: Int64 = 1_000_000
        var nextProducerId: Int64 = 1000

        /// Runs a decision and applies its change, as the coordinator does after storing it.
        @discardableResult
        mutating func run(_ decide: (TransactionCoordinatorState, Int64) -> TransactionCoordinatorState.Decision)
            -> TransactionCoordinatorState.Decision
        {
            let decision = decide(state, now)
            if let change = decision.change { state.apply(change) }
            return decision
        }

        @discardableResult
        mutating func initProducer(_ id: String = "tx", timeoutMs: Int32 = 60_000, expected: (Int64, Int16)? = nil)
            -> TransactionCoordinatorState.Decision
        {
            var next = nextProducerId
            let decision = run { state, now in
                state.initProducerId(id, timeoutMs: timeoutMs, expected: expected, now: now) {
                    defer { next += 1 }
                    return next
                }
            }
            nextProducerId = next
            return decision
        }

        @discardableResult
        mutating func add(_ partitions: [TopicPartition], id: String = "tx", producerId: Int64 = 1000, epoch: Int16 = 0)
            -> KafkaErrorCode
        {
            run { $0.addToTransaction(id, producerId: producerId, epoch: epoch, partitions: partitions, now: $1) }.error
        }

        @discardableResult
        mutating func end(commit: Bool, id: String = "tx", producerId: Int64 = 1000, epoch: Int16 = 0)
            -> TransactionCoordinatorState.Decision
        {
            run { $0.endTransaction(id, producerId: producerId, epoch: epoch, commit: commit, now: $1) }
        }

        /// The markers of an end were written.
        mutating func complete(_ decision: TransactionCoordinatorState.Decision) {
            guard let job = decision.change?.markers, let change = state.markersWritten(job, now: now) else {
                Issue.record("no markers to complete")
                return
            }
            state.apply(change)
        }

        func metadata(_ id: String = "tx") -> TransactionMetadata? { state.transactions[id] }
    }

    @Test func firstInitHandsOutANewProducerIdAtEpochZeroThenBumpsTheEpoch() {
        var script = Script()
        #expect(script.initProducer().error == .none)
        #expect(script.metadata()?.producerId == 1000 && script.metadata()?.producerEpoch == 0)
        #expect(script.metadata()?.state == .empty)
        #expect(script.initProducer().error == .none)
        #expect(script.metadata()?.producerId == 1000 && script.metadata()?.producerEpoch == 1)
        #expect(script.metadata()?.previousProducerEpoch == 0)
        // Another transactional id gets another producer id.
        #expect(script.initProducer("other").error == .none)
        #expect(script.metadata("other")?.producerId == 1001)
    }

    @Test func initRejectsTimeoutsOutsideTheAllowedRange() {
        var script = Script()
        #expect(script.initProducer(timeoutMs: 0).error == .invalidTransactionTimeout)
        #expect(script.initProducer(timeoutMs: 900_001).error == .invalidTransactionTimeout)
        #expect(script.metadata() == nil)
    }

    @Test func kip360InitWithTheCurrentOrPreviousEpochAndFencing() {
        var script = Script()
        script.initProducer()
        // The producer names its current id and epoch: bump.
        #expect(script.initProducer(expected: (1000, 0)).error == .none)
        #expect(script.metadata()?.producerEpoch == 1)
        // A retry naming the previous epoch gets the same answer again, no bump.
        #expect(script.initProducer(expected: (1000, 0)).change == nil)
        #expect(script.metadata()?.producerEpoch == 1)
        // An id and epoch that are neither: fenced.
        #expect(script.initProducer(expected: (1000, 7)).error == .producerFenced)
        #expect(script.initProducer(expected: (4242, 1)).error == .producerFenced)
        // Naming an id for a transactional id the coordinator does not know: a new id.
        #expect(script.initProducer("new", expected: (5, 0)).error == .none)
        #expect(script.metadata("new")?.producerId == 1001 && script.metadata("new")?.producerEpoch == 0)
    }

    @Test func exhaustedEpochMovesToANewProducerId() {
        var script = Script()
        script.initProducer()
        var metadata = script.metadata()!
        metadata.producerEpoch = Int16.max - 1
        script.state.load(metadata)
        #expect(script.initProducer().error == .none)
        #expect(script.metadata()?.producerId == 1001 && script.metadata()?.producerEpoch == 0)
        #expect(script.metadata()?.previousProducerId == 1000)
    }

    @Test func addPartitionsStartsTheTransactionAndChecksTheProducer() {
        var script = Script()
        script.initProducer()
        #expect(script.add([Self.orders0]) == .none)
        #expect(script.metadata()?.state == .ongoing && script.metadata()?.startTimestamp == script.now)
        script.now += 5
        #expect(script.add([Self.orders0, Self.orders1]) == .none)
        #expect(script.metadata()?.partitions == [Self.orders0, Self.orders1])
        #expect(script.metadata()?.startTimestamp == script.now - 5, "adding more does not restart the clock")
        // Already there: nothing changes.
        #expect(script.run { $0.addToTransaction("tx", producerId: 1000, epoch: 0, partitions: [Self.orders1], now: $1) }.change == nil)
        #expect(script.add([Self.orders0], id: "unknown") == .invalidProducerIdMapping)
        #expect(script.add([Self.orders0], producerId: 99) == .invalidProducerIdMapping)
        #expect(script.add([Self.orders0], epoch: 3) == .producerFenced)
    }

    @Test func verificationNamesWhyAPartitionIsNotInTheTransaction() {
        var script = Script()
        script.initProducer()
        #expect(script.state.verify("tx", producerId: 1000, epoch: 0, partition: Self.orders0) == .invalidTxnState)
        script.add([Self.orders0])
        #expect(script.state.verify("tx", producerId: 1000, epoch: 0, partition: Self.orders0) == .none)
        #expect(script.state.verify("tx", producerId: 1000, epoch: 0, partition: Self.orders1) == .invalidTxnState)
        #expect(script.state.verify("tx", producerId: 1000, epoch: 1, partition: Self.orders0) == .producerFenced)
        #expect(script.state.verify("nope", producerId: 1000, epoch: 0, partition: Self.orders0) == .invalidProducerIdMapping)
    }

    @Test func commitPreparesMarkersThenCompletes() {
        var script = Script()
        script.initProducer()
        script.add([Self.orders1, Self.orders0])
        let end = script.end(commit: true)
        #expect(end.error == .none)
        #expect(script.metadata()?.state == .prepareCommit)
        let job = end.change?.markers
        #expect(job?.isCommit == true && job?.producerEpoch == 0 && job?.partitions == [Self.orders0, Self.orders1])
        // While markers are written: a retry is CONCURRENT_TRANSACTIONS, the opposite INVALID_TXN_STATE.
        #expect(script.end(commit: true).error == .concurrentTransactions)
        #expect(script.end(commit: false).error == .invalidTxnState)
        #expect(script.add([Self.orders0]) == .concurrentTransactions)
        #expect(script.initProducer().error == .concurrentTransactions)
        script.complete(end)
        #expect(script.metadata()?.state == .completeCommit && script.metadata()?.partitions == [])
        // After: a retry succeeds with no new markers, the opposite is refused.
        let retry = script.end(commit: true)
        #expect(retry.error == .none && retry.change == nil)
        #expect(script.end(commit: false).error == .invalidTxnState)
        // The next transaction starts fresh.
        #expect(script.add([Self.orders1]) == .none)
        #expect(script.metadata()?.partitions == [Self.orders1] && script.metadata()?.state == .ongoing)
    }

    @Test func abortAndItsRetries() {
        var script = Script()
        script.initProducer()
        script.add([Self.orders0])
        let end = script.end(commit: false)
        #expect(end.error == .none && end.change?.markers?.isCommit == false)
        #expect(script.metadata()?.state == .prepareAbort)
        #expect(script.end(commit: false).error == .concurrentTransactions)
        #expect(script.end(commit: true).error == .invalidTxnState)
        script.complete(end)
        #expect(script.metadata()?.state == .completeAbort)
        #expect(script.end(commit: false).change == nil)
        #expect(script.end(commit: true).error == .invalidTxnState)
    }

    @Test func endTxnWithoutATransactionOrWithTheWrongProducer() {
        var script = Script()
        script.initProducer()
        #expect(script.end(commit: true).error == .invalidTxnState)
        #expect(script.end(commit: true, id: "unknown").error == .invalidProducerIdMapping)
        script.add([Self.orders0])
        #expect(script.end(commit: true, producerId: 7).error == .invalidProducerIdMapping)
        #expect(script.end(commit: true, epoch: 1).error == .producerFenced)
    }

    @Test func reInitAbortsTheOpenTransactionWithAFencingEpoch() {
        var script = Script()
        script.initProducer()
        script.add([Self.orders0])
        let fence = script.initProducer()
        #expect(fence.error == .concurrentTransactions)
        #expect(script.metadata()?.state == .prepareAbort && script.metadata()?.producerEpoch == 1)
        #expect(fence.change?.markers?.producerEpoch == 1 && fence.change?.markers?.isCommit == false)
        // The old producer is fenced.
        #expect(script.end(commit: true, epoch: 0).error == .producerFenced)
        #expect(script.initProducer().error == .concurrentTransactions, "markers still pending")
        script.complete(fence)
        #expect(script.initProducer().error == .none)
        #expect(script.metadata()?.producerEpoch == 2 && script.metadata()?.state == .empty)
    }

    @Test func transactionalOffsetsNeedAddOffsetsAndAreDroppedOnCompletion() {
        var script = Script()
        script.initProducer()
        let offsets = [Self.orders0: PendingTransactionOffset(offset: 42, leaderEpoch: -1, metadata: "")]
        func commitOffsets(_ script: inout Script) -> KafkaErrorCode {
            script.run { $0.commitOffsets("tx", producerId: 1000, epoch: 0, group: "g", offsets: offsets, now: $1) }.error
        }
        #expect(commitOffsets(&script) == .invalidTxnState)
        #expect(
            script.run { $0.addToTransaction("tx", producerId: 1000, epoch: 0, partitions: [], group: "g", now: $1) }.error
                == .none)
        #expect(script.metadata()?.state == .ongoing)
        #expect(commitOffsets(&script) == .none)
        #expect(script.metadata()?.pendingOffsets["g"]?[Self.orders0]?.offset == 42)
        let end = script.end(commit: true)
        #expect(script.metadata()?.pendingOffsets["g"]?[Self.orders0]?.offset == 42, "kept until the markers are written")
        script.complete(end)
        #expect(script.metadata()?.pendingOffsets == [:])
    }

    @Test func timedOutTransactionsAreFencedAndAborted() {
        var script = Script()
        script.initProducer(timeoutMs: 1000)
        script.initProducer("slow", timeoutMs: 5000)
        script.add([Self.orders0])
        script.add([Self.orders1], id: "slow", producerId: 1001)
        script.now += 1000
        #expect(script.state.timedOutTransactionalIds(now: script.now).isEmpty, "exactly the timeout is not past it")
        #expect(script.state.abortIfTimedOut("tx", now: script.now).change == nil)
        script.now += 1
        #expect(script.state.timedOutTransactionalIds(now: script.now) == ["tx"])
        let expired = script.run { $0.abortIfTimedOut("tx", now: $1) }.change
        #expect(expired?.metadata.state == .prepareAbort && expired?.metadata.producerEpoch == 1)
        #expect(expired?.markers?.partitions == [Self.orders0] && expired?.markers?.producerEpoch == 1)
        #expect(expired?.markers?.isCommit == false)
        // Once aborting, it is not timed out again.
        #expect(script.state.timedOutTransactionalIds(now: script.now + 10_000) == ["slow"])
    }

    @Test func pendingMarkersAfterARestartAreTheEndingTransactions() {
        var script = Script()
        script.initProducer()
        script.initProducer("b")
        script.add([Self.orders0])
        script.add([Self.orders1], id: "b", producerId: 1001)
        script.end(commit: true)
        var restarted = TransactionCoordinatorState(maximumTimeoutMs: 900_000)
        for metadata in script.state.transactions.values { restarted.load(metadata) }
        let jobs = restarted.pendingMarkers()
        #expect(jobs.count == 1)
        #expect(jobs.first?.transactionalId == "tx" && jobs.first?.isCommit == true && jobs.first?.isRecovery == true)
        #expect(jobs.first?.partitions == [Self.orders0])
    }

    @Test func storeRecordsRoundTrip() throws {
        var metadata = TransactionMetadata(
            transactionalId: "tx-é", producerId: 77, producerEpoch: 3, timeoutMs: 60_000, state: .prepareCommit,
            lastUpdateTimestamp: 123)
        metadata.previousProducerId = 77
        metadata.previousProducerEpoch = 2
        metadata.startTimestamp = 100
        metadata.partitions = [Self.orders0, Self.orders1]
        metadata.pendingOffsets = ["g": [Self.orders0: PendingTransactionOffset(offset: 9, leaderEpoch: 4, metadata: "m")], "h": [:]]
        for state in TransactionState.allCases {
            metadata.state = state
            var buffer = ByteBuffer()
            metadata.encode(into: &buffer)
            #expect(try TransactionMetadata(from: &buffer) == metadata)
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test func idleTransactionalIdsExpireButNotWhileATransactionIsOpen() {
        var script = Script()
        script.initProducer("idle")
        script.initProducer("busy")
        script.add([Self.orders0], id: "busy", producerId: 1001)
        script.now += 1000
        #expect(script.state.expiredTransactionalIds(now: script.now, expirationMs: 1000) == [])
        script.now += 1
        #expect(script.state.expiredTransactionalIds(now: script.now, expirationMs: 1000) == ["idle"])
        let dead = script.run { $0.expire("idle", now: $1, expirationMs: 1000) }
        #expect(dead.change?.metadata.state == .dead)
        #expect(script.metadata("idle") == nil && script.metadata("busy")?.state == .ongoing)
        #expect(script.run { $0.expire("busy", now: $1, expirationMs: 1000) }.change == nil)
        // The forgotten id starts over with a new producer id.
        #expect(script.initProducer("idle").error == .none && script.metadata("idle")?.producerId == 1002)
    }
}
