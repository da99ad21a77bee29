import NIOCore
import Testing
@testable import KafkaBroker

@Suite struct PartitionLogRetentionTests {
    /// A log of 10 segments of 10 batches (1 offset, 100 bytes each), batch i stamped
    /// with time i * 1000.
    func makeLog(_ fileSystem: InMemoryFileSystem, clock: ManualClock, config: LogConfig) throws -> PartitionLog {
        let log = try LogTesting.open(fileSystem, config: config, clock: clock)
        for index in 0..<100 {
            try log.append(TestBatch.make(baseTimestamp: Int64(index * 1_000), payloadSize: 39), partitionLeaderEpoch: 0)
        }
        #expect(log.segmentBaseOffsets == stride(from: 0, to: 100, by: 10).map(Int64.init))
        return log
    }

    @Test func retentionByTimeDeletesExpiredSegmentsAndMovesTheLogStart() throws {
        let fileSystem = InMemoryFileSystem()
        let clock = ManualClock(0)
        let log = try makeLog(fileSystem, clock: clock, config: LogTesting.config(segmentBytes: 1_000, retentionTime: .seconds(50)))
        // Segment [0,10) has timestamps up to 9000, [10,20) up to 19000: at 59001 only
        // the first is more than 50 s old (at 59000 it would be exactly 50 s: kept).
        clock.set(59_000)
        #expect(try log.applyRetention().deletedSegments == 0)
        clock.set(59_001)
        var outcome = try log.applyRetention()
        #expect(outcome.deletedSegments == 1 && outcome.reasons == [.retentionTime] && outcome.logStartOffset == 10)
        #expect(log.logStartOffset == 10)
        #expect(!fileSystem.fileExists(at: LogTesting.directory + "/00000000000000000000.log"))
        clock.set(1_000_000)
        outcome = try log.applyRetention()
        #expect(log.segmentBaseOffsets == [90])  // never the active segment
        #expect(log.logStartOffset == 90)
        #expect(throws: StorageError.self) { try log.read(from: 89, maxBytes: 100, minOneBatch: true) }
        // The log start offset survives a restart.
        log.closeWithoutFlushing()
        #expect(try LogTesting.open(fileSystem).logStartOffset == 90)
    }

    @Test func retentionBySizeKeepsTheNewestBytes() throws {
        let log = try makeLog(InMemoryFileSystem(), clock: ManualClock(0),
                              config: LogTesting.config(segmentBytes: 1_000, retentionBytes: 3_500))
        let outcome = try log.applyRetention()
        #expect(outcome.deletedSegments == 6 && outcome.deletedBytes == 6_000 && outcome.reasons == [.retentionSize])
        #expect(log.sizeInBytes == 4_000 && log.logStartOffset == 60)
    }

    @Test func deleteRecordsMovesTheLogStartAndDeletesWholeSegmentsBelowIt() throws {
        let fileSystem = InMemoryFileSystem()
        let log = try LogTesting.open(fileSystem, config: LogTesting.config(segmentBytes: 1_000))
        for _ in 0..<30 { try log.append(TestBatch.make(recordCount: 5, payloadSize: 139), partitionLeaderEpoch: 0) }  // 200 bytes
        #expect(log.segmentBaseOffsets == [0, 25, 50, 75, 100, 125])

        // Mid-batch: offset 27 lies in batch [25, 30); segment [0,25) goes.
        #expect(try log.deleteRecords(before: 27) == 27)
        #expect(log.segmentBaseOffsets == [25, 50, 75, 100, 125])
        #expect(try log.read(from: 27, maxBytes: 1, minOneBatch: true).firstBatchOffset == 25)
        // Below or at the current start: no-op.
        #expect(try log.deleteRecords(before: 10) == 27)
        #expect(try log.deleteRecords(before: 27) == 27)
        // Beyond the high watermark: typed error, nothing changes.
        #expect(throws: StorageError(.beyondHighWatermark(requested: 151, highWatermark: 150), topicPartition: LogTesting.partition)) {
            try log.deleteRecords(before: 151)
        }
        #expect(log.logStartOffset == 27)
        // At the high watermark (-1 means the same): everything but the active segment goes.
        #expect(try log.deleteRecords(before: -1) == 150)
        #expect(log.segmentBaseOffsets == [125])
        #expect(try log.read(from: 150, maxBytes: 100, minOneBatch: true).records.readableBytes == 0)
        #expect(try log.append(TestBatch.make(), partitionLeaderEpoch: 0).firstOffset == 150)
        log.closeWithoutFlushing()
        #expect(try LogTesting.open(fileSystem).logStartOffset == 150)
    }

    @Test func deleteRecordsNeedsTheDeletePolicy() throws {
        var config = LogTesting.config()
        config.cleanupPolicy = .compact
        let log = try LogTesting.open(InMemoryFileSystem(), config: config)
        try log.append(TestBatch.make(), partitionLeaderEpoch: 0)
        #expect(throws: StorageError.self) { try log.deleteRecords(before: 1) }
    }
}
