import Foundation
import KafkaProtocol
import NIOCore
import Testing
@testable import KafkaBroker

/// Partition over a real `PartitionLog` in a temporary directory.
@Suite struct PartitionTests {
    typealias T = ProduceTesting

    /// A partition in `directory`, with its clock.
    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        let clock = ManualClock(ProduceTesting.now)
        let changes = Changes()

        final class Changes: @unchecked Sendable {
            private let lock = NSLock()
            private var seen: [PartitionChange] = []
            func append(_ change: PartitionChange) { lock.withLock { seen.append(change) } }
            var all: [PartitionChange] { lock.withLock { seen } }
        }

        init() throws { directory = try TemporaryDirectory() }

        func open(_ config: TopicConfig = TopicConfig(), leaderEpoch: Int32 = 0) throws -> Partition {
            let log = try PartitionLog.open(
                directory: directory.path, topicPartition: T.partition, config: config.logConfig(base: LogConfig()),
                clock: clock)
            let changes = self.changes
            return try Partition(
                log: log, topicConfig: config, leaderEpoch: leaderEpoch, clock: clock,
                onChange: { changes.append($0) })
        }

        deinit { directory.remove() }
    }

    static func produce(_ partition: Partition, _ batch: RecordBatch, request: ProduceRequestContext = T.request())
        -> PartitionAppendOutcome
    {
        partition.append(records: batch.bytes, request: request)
    }

    @Test func offsetsAreContiguousAndBytesStoredAsSent() throws {
        let fixture = try Fixture()
        let partition = try fixture.open(leaderEpoch: 7)
        var sent: [RecordBatch] = []
        for (index, codec) in [CompressionCodec.none, .gzip, .snappy, .lz4, .zstd].enumerated() {
            let batch = try T.batch(count: index + 1, codec: codec)
            let outcome = Self.produce(partition, batch)
            #expect(outcome.errorCode == .none)
            #expect(outcome.baseOffset == Int64(sent.reduce(0) { $0 + Int($1.recordCount) }))
            #expect(outcome.logStartOffset == 0 && outcome.logAppendTime == -1)
            sent.append(batch)
        }
        #expect(partition.logEndOffset == 15 && partition.highWatermark == 15)
        let read = try partition.read(from: 0, maxBytes: 1 << 20, minOneBatch: true)
        let stored = try RecordBatchSequence(read.records).split().batches
        #expect(stored.count == sent.count)
        var expectedBase: Int64 = 0
        for (mine, original) in zip(stored, sent) {
            #expect(mine.baseOffset == expectedBase)
            #expect(mine.partitionLeaderEpoch == 7)
            #expect(T.crcCovered(mine.bytes) == T.crcCovered(original.bytes))
            #expect(mine.computeCRC() == mine.crc)
            expectedBase = mine.nextOffset
        }
        #expect(fixture.changes.all.map(\.firstOffset) == [0, 1, 3, 6, 10])
        #expect(fixture.changes.all.last?.highWatermark == 15)
    }

    @Test func duplicateIsAnsweredWithTheOriginalOffsetsAndNotAppended() throws {
        let fixture = try Fixture()
        let partition = try fixture.open()
        let first = try T.batch(count: 1, producerId: 4242, producerEpoch: 0, baseSequence: 57)
        #expect(Self.produce(partition, first).baseOffset == 0)
        #expect(Self.produce(partition, try T.batch(count: 2, producerId: 4242, producerEpoch: 0, baseSequence: 58))
            .baseOffset == 1)
        let retry = Self.produce(partition, first)
        #expect(retry.errorCode == .none && retry.baseOffset == 0 && retry.isDuplicate)
        #expect(retry.logAppendTime == first.maxTimestamp)
        #expect(partition.logEndOffset == 3)
        #expect(fixture.changes.all.count == 2)
        let gap = Self.produce(partition, try T.batch(count: 1, producerId: 4242, producerEpoch: 0, baseSequence: 70))
        #expect(gap.errorCode == .outOfOrderSequenceNumber && gap.baseOffset == -1 && gap.logStartOffset == 0)
    }

    @Test func producerStateIsRebuiltFromTheLogAfterReopening() throws {
        let fixture = try Fixture()
        var batches: [RecordBatch] = []
        var offsets: [Int64] = []
        do {
            let partition = try fixture.open()
            for index in 0..<6 {
                let batch = try T.batch(count: 2, producerId: 4242, producerEpoch: 0, baseSequence: Int32(index * 2))
                offsets.append(Self.produce(partition, batch).baseOffset)
                batches.append(batch)
            }
            #expect(Self.produce(partition, try T.batch(count: 1, producerId: 99, producerEpoch: 3, baseSequence: 0))
                .baseOffset == 12)
            try partition.close()
        }
        let reopened = try fixture.open()
        #expect(reopened.logEndOffset == 13)
        // The same answers as before the restart: each of the last five is a duplicate...
        for index in 1..<6 {
            let retry = Self.produce(reopened, batches[index])
            #expect(retry.isDuplicate && retry.baseOffset == offsets[index], "batch \(index)")
        }
        // ...the sixth-oldest is out of order, the next sequence goes on, the old epoch is known.
        #expect(Self.produce(reopened, batches[0]).errorCode == .outOfOrderSequenceNumber)
        #expect(Self.produce(reopened, try T.batch(count: 1, producerId: 4242, producerEpoch: 0, baseSequence: 12))
            .baseOffset == 13)
        #expect(Self.produce(reopened, try T.batch(count: 1, producerId: 99, producerEpoch: 2, baseSequence: 1))
            .errorCode == .invalidProducerEpoch)
        #expect(reopened.describeProducers().map(\.producerId) == [99, 4242])
    }

    @Test func producerStateExpiresWithTheInjectedClock() throws {
        let fixture = try Fixture()
        let partition = try fixture.open()
        let first = try T.batch(count: 1, producerId: 4242, producerEpoch: 0, baseSequence: 57)
        _ = Self.produce(partition, first)
        fixture.clock.advance(milliseconds: ProducerStateManager.defaultExpirationMilliseconds)
        // The retry is no longer recognised: the producer is unknown again (KIP-360).
        let later = try T.batch(count: 1, producerId: 4242, producerEpoch: 0, baseSequence: 57,
                                baseTimestamp: fixture.clock.nowMilliseconds)
        let outcome = Self.produce(partition, later)
        #expect(!outcome.isDuplicate && outcome.baseOffset == 1)
    }

    @Test func rejectionsCarryTheLogStartOffsetAsKafkaDoes() throws {
        let fixture = try Fixture()
        let partition = try fixture.open()
        _ = Self.produce(partition, try T.batch(count: 5))
        #expect(partition.deleteRecords(before: 2).lowWatermark == 2)
        let corrupt = partition.append(records: T.flipping(try T.batch().bytes, at: 30), request: T.request())
        #expect(corrupt.errorCode == .corruptMessage && corrupt.logStartOffset == -1)
        let offset = partition.append(records: T.patched(try T.batch(), at: 0, Int64(9), fixCRC: false), request: T.request())
        #expect(offset.errorCode == .invalidRecord && offset.logStartOffset == 2)
        #expect(Self.produce(partition, try T.batch()).logStartOffset == 2)
    }

    @Test func logAppendTimeTopicAnswersTheAppendTime() throws {
        let fixture = try Fixture()
        var config = TopicConfig()
        try config.set("message.timestamp.type", "LogAppendTime")
        let partition = try fixture.open(config)
        let outcome = Self.produce(partition, try T.batch(baseTimestamp: T.now - 3_600_000))
        #expect(outcome.logAppendTime == fixture.clock.nowMilliseconds)
        let stored = try RecordBatchSequence(partition.read(from: 0, maxBytes: 1 << 20, minOneBatch: true).records)
            .split().batches[0]
        #expect(stored.timestampType == .logAppendTime && stored.maxTimestamp == T.now)
        #expect(stored.computeCRC() == stored.crc)
    }

    @Test func transactionalBatchInAVerifiedTransaction() throws {
        let fixture = try Fixture()
        let partition = try fixture.open()
        let batch = try T.batch(producerId: 5, producerEpoch: 0, baseSequence: 0, isTransactional: true)
        #expect(Self.produce(partition, batch, request: T.request(transactionalId: "t")).errorCode == .invalidProducerIdMapping)
        #expect(Self.produce(partition, batch, request: T.request(transactionalId: "t", inTransaction: true)).baseOffset == 0)
        // Once the transaction is open here, the partition itself vouches for it.
        let next = try T.batch(producerId: 5, producerEpoch: 0, baseSequence: 3, isTransactional: true)
        #expect(Self.produce(partition, next, request: T.request(transactionalId: "t")).baseOffset == 3)
        #expect(partition.describeProducers().first?.currentTransactionStartOffset == 0)
    }

    @Test func deleteRecordsRules() throws {
        let fixture = try Fixture()
        let partition = try fixture.open()
        _ = Self.produce(partition, try T.batch(count: 5))
        let beyond = partition.deleteRecords(before: 10)
        #expect(beyond.errorCode == .offsetOutOfRange && beyond.lowWatermark == -1)
        #expect(partition.deleteRecords(before: 3).lowWatermark == 3)
        #expect(partition.deleteRecords(before: 2).lowWatermark == 3)
        #expect(partition.deleteRecords(before: -1).lowWatermark == 5)
        #expect(Self.produce(partition, try T.batch(count: 1)).baseOffset == 5)

        let compacted = try Fixture()
        var config = TopicConfig()
        try config.set("cleanup.policy", "compact")
        let compactedPartition = try compacted.open(config)
        _ = Self.produce(compactedPartition, try T.batch(count: 2))
        #expect(compactedPartition.deleteRecords(before: 1).errorCode == .policyViolation)
    }

    @Test func listOffsetsNamesTheRecord() throws {
        let fixture = try Fixture()
        let partition = try fixture.open()
        _ = Self.produce(partition, try T.batch(count: 3, timestampDeltas: [0, 10, 20]))
        _ = Self.produce(partition, try T.batch(count: 2, timestampDeltas: [30, 5]))
        #expect(try partition.lookupOffset(.earliest)?.offset == 0)
        #expect(try partition.lookupOffset(.latest)?.offset == 5)
        let byTime = try #require(try partition.lookupOffset(.timestamp(T.now + 15)))
        #expect(byTime.offset == 2 && byTime.timestamp == T.now + 20 && byTime.leaderEpoch == 0)
        let newest = try #require(try partition.lookupOffset(.maxTimestamp))
        #expect(newest.offset == 3 && newest.timestamp == T.now + 30)
        #expect(try partition.lookupOffset(.timestamp(T.now + 31)) == nil)
    }

    @Test func configUpdatesApplyToLaterAppends() throws {
        let fixture = try Fixture()
        let partition = try fixture.open()
        let batch = try T.batch(codec: .gzip)
        _ = Self.produce(partition, batch)
        var config = TopicConfig()
        try config.set("compression.type", "zstd")
        try partition.updateConfig(config)
        #expect(partition.produceSettings.targetCodec == .zstd)
        _ = Self.produce(partition, batch)
        let stored = try RecordBatchSequence(partition.read(from: 0, maxBytes: 1 << 20, minOneBatch: true).records)
            .split().batches
        #expect(stored.map(\.codec) == [.gzip, .zstd])
        #expect(stored.map(\.baseOffset) == [0, 3])
    }
}
