import KafkaProtocol
import Testing
@testable import KafkaBroker

/// Idempotence as scripts: batch in, decision out (KAFKA-RULES "Producer ids and
/// sequences", FINDINGS b).
@Suite struct ProducerStateManagerTests {
    var state = ProducerStateManager(topicPartition: ProduceTesting.partition)
    var logEnd: Int64 = 0

    static func batch(
        _ sequence: Int32, records: Int32 = 1, epoch: Int16 = 0, producerId: Int64 = 4242, timestamp: Int64 = 1_000,
        transactional: Bool = false
    ) -> ProducerBatch {
        ProducerBatch(
            producerId: producerId, producerEpoch: epoch, baseSequence: sequence, lastOffsetDelta: records - 1,
            maxTimestamp: timestamp, isTransactional: transactional)
    }

    /// Checks and, when the answer is "append", appends at the log end: what Partition does.
    @discardableResult
    mutating func produce(_ batch: ProducerBatch) -> Result<ProducerStateManager.Decision, ProduceRejection> {
        let decision = state.check(batch)
        if case .success(.append) = decision {
            state.recordAppend(batch, firstOffset: logEnd)
            logEnd += Int64(batch.lastOffsetDelta) + 1
        }
        return decision
    }

    static func code(_ result: Result<ProducerStateManager.Decision, ProduceRejection>) -> KafkaErrorCode? {
        result.failure?.code
    }

    static func duplicateOffset(_ result: Result<ProducerStateManager.Decision, ProduceRejection>) -> Int64? {
        if case .success(.duplicate(let original)) = result { return original.firstOffset }
        return nil
    }

    @Test mutating func unknownProducerMayStartAtAnySequence() {
        #expect(produce(Self.batch(57)) == .success(.append))
        #expect(produce(Self.batch(58, records: 2)) == .success(.append))
        #expect(produce(Self.batch(0, producerId: 9)) == .success(.append))
        #expect(produce(Self.batch(1_000_000, epoch: 3, producerId: 10)) == .success(.append))
    }

    @Test mutating func batchesWithoutProducerIdAreNotTracked() {
        #expect(produce(Self.batch(-1, producerId: -1)) == .success(.append))
        #expect(produce(Self.batch(-1, producerId: -1)) == .success(.append))
        #expect(state.producers.isEmpty)
    }

    @Test mutating func gapIsOutOfOrder() {
        produce(Self.batch(57))
        let result = produce(Self.batch(60))
        #expect(Self.code(result) == .outOfOrderSequenceNumber)
        #expect(result.failure?.message.contains("60 (incoming seq. number), 57 (current end sequence number)") == true)
        #expect(Self.code(produce(Self.batch(57 + 2))) == .outOfOrderSequenceNumber)
        #expect(produce(Self.batch(58)) == .success(.append))
    }

    @Test mutating func eachOfTheLastFiveBatchesIsADuplicate() {
        var firstOffsets: [Int64] = []
        for index in 0..<7 {
            firstOffsets.append(logEnd)
            produce(Self.batch(Int32(index * 2), records: 2, timestamp: 1_000 + Int64(index)))
        }
        // Batches 2...6 are the last five: each retry answers its own offsets and time.
        for index in 2..<7 {
            let result = produce(Self.batch(Int32(index * 2), records: 2))
            #expect(Self.duplicateOffset(result) == firstOffsets[index], "batch \(index)")
            if case .success(.duplicate(let original)) = result {
                #expect(original.timestamp == 1_000 + Int64(index))
                #expect(original.lastOffset == firstOffsets[index] + 1)
            }
        }
        // The sixth-oldest is forgotten: its retry is out of order, not a duplicate.
        #expect(Self.code(produce(Self.batch(2, records: 2))) == .outOfOrderSequenceNumber)
        #expect(logEnd == 14)
    }

    @Test mutating func duplicateIsMatchedOnTheSequenceRangeOnly() {
        produce(Self.batch(57, timestamp: 5))
        // Same first sequence, other content (timestamp): still the cached batch.
        #expect(Self.duplicateOffset(produce(Self.batch(57, timestamp: 99))) == 0)
        // Same first sequence, other length: not that batch, and out of order.
        #expect(Self.code(produce(Self.batch(57, records: 2))) == .outOfOrderSequenceNumber)
    }

    @Test mutating func epochRules() {
        produce(Self.batch(57))
        produce(Self.batch(58, records: 2))
        // A new epoch must start at 0.
        let result = produce(Self.batch(5, epoch: 1))
        #expect(Self.code(result) == .outOfOrderSequenceNumber)
        #expect(result.failure?.message.hasPrefix("Invalid sequence number for new epoch") == true)
        #expect(produce(Self.batch(0, epoch: 1)) == .success(.append))
        // The old epoch is fenced, duplicates of its batches included.
        #expect(Self.code(produce(Self.batch(60))) == .invalidProducerEpoch)
        #expect(Self.code(produce(Self.batch(57))) == .invalidProducerEpoch)
        // The new epoch's retry is a duplicate.
        #expect(Self.duplicateOffset(produce(Self.batch(0, epoch: 1))) == 3)
        #expect(produce(Self.batch(1, epoch: 1)) == .success(.append))
    }

    @Test mutating func sequencesWrapAfterInt32Max() {
        produce(Self.batch(Int32.max - 1, records: 2))
        #expect(state.producers[4242]?.lastSequence == Int32.max)
        #expect(Self.code(produce(Self.batch(Int32.max))) == .outOfOrderSequenceNumber)
        #expect(produce(Self.batch(0, records: 3)) == .success(.append))
        // A batch spanning the wrap: Int32.max - 1, Int32.max, 0.
        var spanning = ProducerStateManager(topicPartition: ProduceTesting.partition)
        let wrap = Self.batch(Int32.max - 1, records: 3)
        #expect(wrap.lastSequence == 0)
        spanning.recordAppend(wrap, firstOffset: 10)
        #expect(spanning.check(Self.batch(1)) == .success(.append))
        if case .success(.duplicate(let original)) = spanning.check(wrap) {
            #expect(original.firstOffset == 10 && original.firstSequence == Int32.max - 1)
        } else {
            Issue.record("the wrapping batch's retry should be a duplicate")
        }
    }

    @Test mutating func producersExpireAfterTheirLastTimestamp() {
        state.expirationMilliseconds = 1_000
        produce(Self.batch(57, timestamp: 10_000))
        produce(Self.batch(0, producerId: 7, timestamp: 10_500, transactional: true))
        state.removeExpiredProducers(nowMilliseconds: 10_999)
        #expect(state.producers.count == 2)
        state.removeExpiredProducers(nowMilliseconds: 11_000)
        // 4242 is forgotten; 7 has an open transaction and stays.
        #expect(state.producers.keys.sorted() == [7])
        // Forgotten means unknown again: any sequence is accepted (KIP-360).
        #expect(produce(Self.batch(900)) == .success(.append))
    }

    @Test mutating func transactionStateAndMarkers() {
        produce(Self.batch(0, records: 3, transactional: true))
        #expect(state.hasOngoingTransaction(producerId: 4242, producerEpoch: 0))
        #expect(Self.code(produce(Self.batch(3))) == .invalidTxnState)
        let completed = state.applyTransactionMarker(
            producerId: 4242, producerEpoch: 1, coordinatorEpoch: 4, isCommit: true, offset: 3, timestamp: 2_000)
        #expect(completed?.firstOffset == 0 && completed?.markerOffset == 3 && completed?.isAborted == false)
        #expect(!state.hasOngoingTransaction(producerId: 4242, producerEpoch: 1))
        // Transactions V2 bump the epoch at the marker: the next batch starts at 0.
        #expect(Self.code(produce(Self.batch(3, epoch: 1))) == .outOfOrderSequenceNumber)
        #expect(produce(Self.batch(0, epoch: 1)) == .success(.append))
    }

    @Test mutating func describeProducersReportsTheState() {
        produce(Self.batch(57, records: 2, timestamp: 1_234))
        produce(Self.batch(0, producerId: 7, timestamp: 99, transactional: true))
        let described = state.describeProducers()
        #expect(described.map(\.producerId) == [7, 4242])
        #expect(described[1].producerEpoch == 0)
        #expect(described[1].lastSequence == 58)
        #expect(described[1].lastTimestamp == 1_234)
        #expect(described[1].coordinatorEpoch == -1)
        #expect(described[1].currentTransactionStartOffset == -1)
        #expect(described[0].currentTransactionStartOffset == 2)
    }

    @Test func replayRebuildsTheSameAnswers() throws {
        var live = ProducerStateManager(topicPartition: ProduceTesting.partition)
        var replayed = ProducerStateManager(topicPartition: ProduceTesting.partition)
        var offset: Int64 = 0
        for index in 0..<6 {
            let batch = try ProduceTesting.batch(
                count: 2, producerId: 4242, producerEpoch: 0, baseSequence: Int32(index * 2))
            live.recordAppend(ProducerBatch(
                producerId: 4242, producerEpoch: 0, baseSequence: Int32(index * 2), lastOffsetDelta: 1,
                maxTimestamp: batch.maxTimestamp), firstOffset: offset)
            var stored = batch
            stored.setBaseOffset(offset)
            replayed.replay(stored)
            offset += 2
        }
        #expect(live == replayed)
        let marker = try RecordBatchBuilder.controlBatch(
            ControlRecord(type: .abort, coordinatorEpoch: 3), producerId: 4242, producerEpoch: 1,
            timestamp: 5, baseOffset: offset)
        replayed.replay(marker)
        #expect(replayed.producers[4242]?.producerEpoch == 1)
        #expect(replayed.producers[4242]?.coordinatorEpoch == 3)
    }
}
