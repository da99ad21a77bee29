import KafkaProtocol
import NIOCore
import Testing
@testable import KafkaBroker

/// Markers, the last stable offset and the aborted-transaction index of a `Partition`.
@Suite struct PartitionTransactionTests {
    typealias T = ProduceTesting
    typealias Fixture = PartitionTests.Fixture

    static func transactional(_ partition: Partition, producerId: Int64, epoch: Int16 = 0, sequence: Int32, count: Int = 2)
        throws -> PartitionAppendOutcome
    {
        let batch = try T.batch(
            count: count, producerId: producerId, producerEpoch: epoch, baseSequence: sequence, isTransactional: true)
        return partition.append(records: batch.bytes, request: T.request(transactionalId: "tx", inTransaction: true))
    }

    /// The layout of FINDINGS f: commit 0-2|3, abort 4-5|6, commit 7-8|9, open from 10.
    static func findingsLayout(_ partition: Partition) throws {
        #expect(try transactional(partition, producerId: 6, sequence: 0, count: 3).baseOffset == 0)
        #expect(try partition.appendTransactionMarker(producerId: 6, producerEpoch: 0, isCommit: true, coordinatorEpoch: 0) == 3)
        #expect(try transactional(partition, producerId: 6, sequence: 3).baseOffset == 4)
        #expect(try partition.appendTransactionMarker(producerId: 6, producerEpoch: 0, isCommit: false, coordinatorEpoch: 0) == 6)
        #expect(try transactional(partition, producerId: 6, sequence: 5).baseOffset == 7)
        #expect(try partition.appendTransactionMarker(producerId: 6, producerEpoch: 0, isCommit: true, coordinatorEpoch: 0) == 9)
        #expect(try transactional(partition, producerId: 6, sequence: 7, count: 1).baseOffset == 10)
    }

    @Test func lastStableOffsetIsTheFirstOffsetOfTheOldestOpenTransaction() throws {
        let fixture = try Fixture()
        let partition = try fixture.open()
        #expect(partition.lastStableOffset == 0)
        try Self.findingsLayout(partition)
        #expect(partition.highWatermark == 11 && partition.lastStableOffset == 10)
        // A second producer's transaction opening later does not move it.
        #expect(try Self.transactional(partition, producerId: 8, sequence: 0).baseOffset == 11)
        #expect(partition.lastStableOffset == 10)
        try partition.appendTransactionMarker(producerId: 6, producerEpoch: 0, isCommit: true, coordinatorEpoch: 0)
        #expect(partition.lastStableOffset == 11)
        try partition.appendTransactionMarker(producerId: 8, producerEpoch: 0, isCommit: false, coordinatorEpoch: 0)
        #expect(partition.lastStableOffset == partition.highWatermark && partition.highWatermark == 15)
    }

    @Test func abortedTransactionsOfAFetchedRange() throws {
        let fixture = try Fixture()
        let partition = try fixture.open()
        try Self.findingsLayout(partition)
        func aborted(_ from: Int64, _ to: Int64) -> [Int64] { partition.abortedTransactions(from: from, upTo: to).map(\.firstOffset) }
        #expect(aborted(0, 10) == [4])
        #expect(aborted(4, 10) == [4])
        #expect(aborted(6, 10) == [4], "the marker itself is in range")
        #expect(aborted(7, 10) == [], "past the marker")
        #expect(aborted(0, 4) == [], "the range ends before the aborted data")
        #expect(partition.abortedTransactions(from: 0, upTo: 10).map(\.producerId) == [6])
    }

    @Test func markersAreControlBatchesOfOneOffset() throws {
        let fixture = try Fixture()
        let partition = try fixture.open()
        try Self.findingsLayout(partition)
        let read = try partition.read(from: 3, maxBytes: 1 << 20, minOneBatch: true)
        let marker = try #require(try RecordBatchSequence(read.records).split().batches.first)
        #expect(marker.baseOffset == 3 && marker.lastOffsetDelta == 0 && marker.recordCount == 1)
        #expect(marker.isControl && marker.isTransactional && marker.producerId == 6 && marker.baseSequence == -1)
        #expect(marker.attributes.rawValue == 0x30)
        #expect(try marker.controlRecords() == [ControlRecord(type: .commit, coordinatorEpoch: 0)])
        #expect(marker.baseTimestamp == fixture.clock.nowMilliseconds && (try? marker.verifyCRC()) != nil)
    }

    @Test func markersWithAnOlderEpochOrCoordinatorEpochAreFenced() throws {
        let fixture = try Fixture()
        let partition = try fixture.open()
        #expect(try Self.transactional(partition, producerId: 6, epoch: 2, sequence: 0).errorCode == .none)
        #expect(throws: TransactionMarkerError.self) {
            try partition.appendTransactionMarker(producerId: 6, producerEpoch: 1, isCommit: true, coordinatorEpoch: 0)
        }
        try partition.appendTransactionMarker(producerId: 6, producerEpoch: 2, isCommit: true, coordinatorEpoch: 5)
        do {
            try partition.appendTransactionMarker(producerId: 6, producerEpoch: 2, isCommit: true, coordinatorEpoch: 4)
            Issue.record("an older coordinator epoch was accepted")
        } catch {
            #expect(error.code == .transactionCoordinatorFenced)
        }
        #expect(partition.logEndOffset == 3)
    }

    @Test func fencedProducerCannotWriteAfterTheAbortMarkerBumpedItsEpoch() throws {
        let fixture = try Fixture()
        let partition = try fixture.open()
        #expect(try Self.transactional(partition, producerId: 6, epoch: 0, sequence: 0).errorCode == .none)
        try partition.appendTransactionMarker(producerId: 6, producerEpoch: 1, isCommit: false, coordinatorEpoch: 0)
        #expect(try Self.transactional(partition, producerId: 6, epoch: 0, sequence: 2).errorCode == .invalidProducerEpoch)
        #expect(partition.abortedTransactions(from: 0, upTo: 10).map(\.firstOffset) == [0])
    }

    @Test func indexAndOpenTransactionsAreRebuiltWhenTheLogReopens() throws {
        let fixture = try Fixture()
        do {
            let partition = try fixture.open()
            try Self.findingsLayout(partition)
            try partition.close()
        }
        let reopened = try fixture.open()
        #expect(reopened.lastStableOffset == 10 && reopened.highWatermark == 11)
        #expect(reopened.abortedTransactions(from: 0, upTo: 11).map(\.firstOffset) == [4])
        #expect(reopened.hasOpenTransaction(producerId: 6))
    }

    @Test func verificationErrorsReachTheProduceResponse() throws {
        let fixture = try Fixture()
        let partition = try fixture.open()
        let batch = try T.batch(count: 1, producerId: 9, producerEpoch: 0, baseSequence: 0, isTransactional: true)
        for code in [KafkaErrorCode.invalidTxnState, .invalidProducerIdMapping, .invalidProducerEpoch] {
            let request = ProduceRequestContext(requestVersion: 9, transactionalId: "tx") { _, _ in code }
            #expect(partition.append(records: batch.bytes, request: request).errorCode == code)
        }
        #expect(partition.logEndOffset == 0)
    }

    @Test func cleaningAbortedDataTakesItsTransactionOutOfTheIndex() throws {
        let fixture = try Fixture()
        let config = TopicConfig(overrides: ["cleanup.policy": "compact", "segment.bytes": "200"])
        let partition = try fixture.open(config)
        #expect(try Self.transactional(partition, producerId: 5, sequence: 0).errorCode == .none)
        try partition.appendTransactionMarker(producerId: 5, producerEpoch: 0, isCommit: false, coordinatorEpoch: 0)
        // A later committed transaction, so the aborted batch is not the producer's last
        // (the cleaner keeps each active producer's last batch, as Kafka does).
        #expect(try Self.transactional(partition, producerId: 5, sequence: 2).errorCode == .none)
        try partition.appendTransactionMarker(producerId: 5, producerEpoch: 0, isCommit: true, coordinatorEpoch: 0)
        for _ in 0..<4 {
            #expect(partition.append(records: try T.batch(count: 2).bytes, request: T.request()).errorCode == .none)
        }
        #expect(partition.abortedTransactions(from: 0, upTo: partition.highWatermark).map(\.firstOffset) == [0])
        let outcome = try partition.clean(config: CleanerConfig(config), force: true)
        #expect(outcome.didClean)
        #expect(partition.abortedTransactions(from: 0, upTo: partition.highWatermark).isEmpty)
        let batches = try RecordBatchSequence(partition.read(from: 0, maxBytes: 1 << 20, minOneBatch: true).records)
            .split().batches
        #expect(!batches.contains { $0.producerId == 5 && !$0.isControl && $0.baseOffset < 2 }, "the aborted data is gone")
    }
}
