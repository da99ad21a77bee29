import NIOCore
import Testing
@testable import KafkaBroker

@Suite struct PartitionLogAppendReadTests {
    @Test func appendThenReadGivesTheSameBytesWithAssignedOffsets() throws {
        let log = try LogTesting.open(InMemoryFileSystem())
        let first = TestBatch.make(recordCount: 3, payloadSize: 50, fill: 1)
        let second = TestBatch.make(recordCount: 2, payloadSize: 70, fill: 2)
        #expect(try log.append(first, partitionLeaderEpoch: 7).firstOffset == 0)
        let info = try log.append(second, partitionLeaderEpoch: 7)
        #expect(info.firstOffset == 3 && info.lastOffset == 4)
        #expect(log.logEndOffset == 5 && log.highWatermark == 5 && log.logStartOffset == 0)

        let read = try log.read(from: 0, maxBytes: 1 << 20, minOneBatch: false)
        var expected = TestBatch.stored(first, baseOffset: 0, epoch: 7)
        var tail = TestBatch.stored(second, baseOffset: 3, epoch: 7)
        expected.writeBuffer(&tail)
        #expect(read.records == expected)
        #expect(read.firstBatchOffset == 0)
        // Bytes 16..end (magic, CRC and everything it covers) are the producer's.
        #expect(read.records.getBytes(at: 16, length: first.readableBytes - 16) == first.getBytes(at: 16, length: first.readableBytes - 16))
    }

    @Test func offsetsStayContiguousAcrossManyBatchesAndRolls() throws {
        let fileSystem = InMemoryFileSystem()
        let log = try LogTesting.open(fileSystem, config: LogTesting.config(segmentBytes: 1_000, indexIntervalBytes: 100))
        var expectedBase: Int64 = 0
        var bases: [Int64] = []
        for index in 0..<300 {
            let count = Int32(index % 5 + 1)
            let info = try log.append(TestBatch.make(recordCount: count, payloadSize: index % 40), partitionLeaderEpoch: 0)
            #expect(info.firstOffset == expectedBase)
            bases.append(expectedBase)
            expectedBase += Int64(count)
        }
        #expect(log.segmentBaseOffsets.count > 20)
        #expect(log.segments.allSatisfy { $0.sizeInBytes <= 1_000 })
        let stored = try LogTesting.readAll(log)
        #expect(stored.map(\.baseOffset) == bases)
        // Each segment is named by its first offset, and segments are contiguous.
        for (segment, next) in zip(log.segments, log.segments.dropFirst()) {
            #expect(segment.nextOffset == next.baseOffset)
        }
        #expect(try fileSystem.contentsOfDirectory(at: LogTesting.directory).contains("00000000000000000000.log"))
    }

    @Test func readFromTheMiddleOfABatchReturnsTheWholeBatch() throws {
        let log = try LogTesting.open(InMemoryFileSystem())
        try log.append(TestBatch.make(recordCount: 10), partitionLeaderEpoch: 0)
        try log.append(TestBatch.make(recordCount: 10), partitionLeaderEpoch: 0)
        let read = try log.read(from: 15, maxBytes: 1 << 20, minOneBatch: false)
        #expect(read.firstBatchOffset == 10)
        #expect(TestBatch.batches(in: read.records).map(\.baseOffset) == [10])
    }

    @Test func maxBytesGivesWholeBatchesOnlyAndMinOneBatchOverridesIt() throws {
        let log = try LogTesting.open(InMemoryFileSystem())
        for _ in 0..<4 { try log.append(TestBatch.make(payloadSize: 39), partitionLeaderEpoch: 0) }  // 100 bytes each
        #expect(TestBatch.batches(in: try log.read(from: 0, maxBytes: 250, minOneBatch: false).records).count == 2)
        #expect(TestBatch.batches(in: try log.read(from: 0, maxBytes: 300, minOneBatch: false).records).count == 3)
        #expect(try log.read(from: 0, maxBytes: 99, minOneBatch: false).records.readableBytes == 0)
        let one = try log.read(from: 0, maxBytes: 10, minOneBatch: true)
        #expect(one.records.readableBytes == 100)
        #expect(try log.read(from: 1, maxBytes: 0, minOneBatch: true).records.readableBytes == 100)
    }

    @Test func readsStopAtTheUpperBoundAndTheLogEnd() throws {
        let log = try LogTesting.open(InMemoryFileSystem())
        for _ in 0..<3 { try log.append(TestBatch.make(recordCount: 2), partitionLeaderEpoch: 0) }
        #expect(TestBatch.batches(in: try log.read(from: 0, maxBytes: 1 << 20, minOneBatch: false, upperBound: 4).records).count == 2)
        let atEnd = try log.read(from: 6, maxBytes: 1 << 20, minOneBatch: true)
        #expect(atEnd.records.readableBytes == 0 && atEnd.logEndOffset == 6)
    }

    @Test func offsetsOutsideTheLogAreATypedError() throws {
        let log = try LogTesting.open(InMemoryFileSystem())
        try log.append(TestBatch.make(recordCount: 5), partitionLeaderEpoch: 0)
        #expect(throws: StorageError(.offsetOutOfRange(requested: 6, logStartOffset: 0, logEndOffset: 5), topicPartition: LogTesting.partition)) {
            try log.read(from: 6, maxBytes: 100, minOneBatch: true)
        }
        try log.deleteRecords(before: 3)
        #expect(throws: StorageError(.offsetOutOfRange(requested: 2, logStartOffset: 3, logEndOffset: 5), topicPartition: LogTesting.partition)) {
            try log.read(from: 2, maxBytes: 100, minOneBatch: true)
        }
        // From the new log start offset (mid-batch) the batch comes back whole.
        #expect(try log.read(from: 3, maxBytes: 100, minOneBatch: true).firstBatchOffset == 0)
    }

    @Test func rejectsBytesThatAreNotWholeBatches() throws {
        let log = try LogTesting.open(InMemoryFileSystem())
        let batch = TestBatch.make()
        #expect(throws: StorageError.self) { try log.append(batch.getSlice(at: 0, length: 70)!, partitionLeaderEpoch: 0) }
        #expect(throws: StorageError.self) { try log.append(ByteBuffer(), partitionLeaderEpoch: 0) }
        let small = try LogTesting.open(InMemoryFileSystem(), config: LogTesting.config(segmentBytes: 100))
        #expect(throws: StorageError(.batchTooLarge(size: 161, segmentBytes: 100), topicPartition: LogTesting.partition)) {
            try small.append(TestBatch.make(payloadSize: 100), partitionLeaderEpoch: 0)
        }
        // None of this harmed the log.
        #expect(try log.append(batch, partitionLeaderEpoch: 0).firstOffset == 0)
    }

    @Test func severalBatchesInOneAppendGetConsecutiveOffsets() throws {
        let log = try LogTesting.open(InMemoryFileSystem())
        var bytes = TestBatch.make(recordCount: 3)
        var second = TestBatch.make(recordCount: 4)
        bytes.writeBuffer(&second)
        let info = try log.append(bytes, partitionLeaderEpoch: 1)
        #expect(info.firstOffset == 0 && info.lastOffset == 6)
        #expect(TestBatch.batches(in: try log.read(from: 0, maxBytes: 1_000, minOneBatch: false).records).map(\.baseOffset) == [0, 3])
    }

    @Test func rollsWhenSegmentMsHasPassed() throws {
        let clock = ManualClock()
        var config = LogTesting.config()
        config.segmentTime = .seconds(60)
        let log = try LogTesting.open(InMemoryFileSystem(), config: config, clock: clock)
        try log.append(TestBatch.make(baseTimestamp: 1_000), partitionLeaderEpoch: 0)
        // By record time: 60 s after the first batch's timestamp is not yet "more than".
        try log.append(TestBatch.make(baseTimestamp: 61_000), partitionLeaderEpoch: 0)
        #expect(log.segmentBaseOffsets == [0])
        try log.append(TestBatch.make(baseTimestamp: 61_001), partitionLeaderEpoch: 0)
        #expect(log.segmentBaseOffsets == [0, 2])
        // Without timestamps, by the clock since the segment was created.
        let noTimestamps = try LogTesting.open(InMemoryFileSystem(), config: config, clock: clock)
        try noTimestamps.append(TestBatch.make(baseTimestamp: -1), partitionLeaderEpoch: 0)
        clock.advance(milliseconds: 60_001)
        try noTimestamps.append(TestBatch.make(baseTimestamp: -1), partitionLeaderEpoch: 0)
        #expect(noTimestamps.segmentBaseOffsets == [0, 1])
    }
}
