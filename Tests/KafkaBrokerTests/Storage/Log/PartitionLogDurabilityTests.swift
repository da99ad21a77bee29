import NIOCore
import Testing
@testable import KafkaBroker

/// Flush policies and crashes, through the in-memory file system that loses every write
/// not fsynced when it "crashes".
@Suite struct PartitionLogDurabilityTests {
    @Test func flushEveryWriteFsyncsTheSegmentBeforeAppendReturns() throws {
        let fileSystem = InMemoryFileSystem()
        let log = try LogTesting.open(fileSystem, config: LogTesting.config(flushPolicy: .everyWrite))
        for count in 1...20 {
            try log.append(TestBatch.make(payloadSize: 100), partitionLeaderEpoch: 0)
            #expect(fileSystem.syncCount(suffix: ".log") == count)
        }
        // What is durable is exactly what was written.
        let path = LogTesting.directory + "/00000000000000000000.log"
        let written = try #require(fileSystem.bytes(at: path))
        fileSystem.crash()
        #expect(fileSystem.bytes(at: path) == written)
    }

    @Test func otherPoliciesFsyncLessOften() throws {
        let fileSystem = InMemoryFileSystem()
        let clock = ManualClock()
        let byCount = try LogTesting.open(fileSystem, directory: "/data/a-0", config: LogTesting.config(flushPolicy: .everyMessages(10)), clock: clock)
        for _ in 0..<25 { try byCount.append(TestBatch.make(recordCount: 2), partitionLeaderEpoch: 0) }
        #expect(fileSystem.syncCount(suffix: "a-0/00000000000000000000.log") == 5)  // 50 messages, one fsync per 10

        let byTime = try LogTesting.open(fileSystem, directory: "/data/b-0", config: LogTesting.config(flushPolicy: .every(.seconds(1))), clock: clock)
        try byTime.append(TestBatch.make(), partitionLeaderEpoch: 0)
        try byTime.flushIfDue()
        #expect(fileSystem.syncCount(suffix: "b-0/00000000000000000000.log") == 0)
        clock.advance(milliseconds: 1_000)
        try byTime.flushIfDue()
        #expect(fileSystem.syncCount(suffix: "b-0/00000000000000000000.log") == 1)
        try byTime.flushIfDue()  // nothing new: no fsync
        #expect(fileSystem.syncCount(suffix: "b-0/00000000000000000000.log") == 1)

        let never = try LogTesting.open(fileSystem, directory: "/data/c-0", clock: clock)
        for _ in 0..<25 { try never.append(TestBatch.make(), partitionLeaderEpoch: 0) }
        clock.advance(milliseconds: 1_000_000)
        try never.flushIfDue()
        #expect(fileSystem.syncCount(suffix: "c-0/00000000000000000000.log") == 0)
        try never.close()
        #expect(fileSystem.syncCount(suffix: "c-0/00000000000000000000.log") == 1)
    }

    /// The simulated crash: every acknowledged batch survives, byte for byte, at its offset.
    @Test func everyAcknowledgedBatchSurvivesACrash() throws {
        let fileSystem = InMemoryFileSystem()
        let config = LogTesting.config(segmentBytes: 3_000, indexIntervalBytes: 256, flushPolicy: .everyWrite)
        var log = try LogTesting.open(fileSystem, config: config)
        var acknowledged: [(offset: Int64, bytes: ByteBuffer)] = []
        var acknowledgedEnd: Int64 = 0
        for round in 0..<3 {
            for index in 0..<150 {
                let batch = TestBatch.make(recordCount: Int32(index % 4 + 1), baseTimestamp: Int64(index), payloadSize: index % 90,
                                           fill: UInt8(truncatingIfNeeded: index + round))
                let info = try log.append(batch, partitionLeaderEpoch: Int32(round))
                acknowledged.append((info.firstOffset, TestBatch.stored(batch, baseOffset: info.firstOffset, epoch: Int32(round))))
                acknowledgedEnd = info.lastOffset + 1
            }
            // An unacknowledged write in flight: in the file but not fsynced.
            try log.activeSegment.logFile.write(TestBatch.make(payloadSize: 500), at: Int64(log.activeSegment.sizeInBytes))
            log.closeWithoutFlushing()
            fileSystem.crash()
            log = try LogTesting.open(fileSystem, config: config)
            let stored = try LogTesting.readAll(log)
            #expect(stored.count == acknowledged.count)
            #expect(zip(stored, acknowledged).allSatisfy { $0.baseOffset == $1.offset && $0.bytes == $1.bytes })
            #expect(log.logEndOffset == acknowledgedEnd)
        }
    }

    @Test func withoutFlushingACrashLosesOnlyTheActiveSegment() throws {
        let fileSystem = InMemoryFileSystem()
        let config = LogTesting.config(segmentBytes: 1_000)
        var log = try LogTesting.open(fileSystem, config: config)
        for _ in 0..<35 { try log.append(TestBatch.make(payloadSize: 39), partitionLeaderEpoch: 0) }
        #expect(log.segmentBaseOffsets == [0, 10, 20, 30])
        log.closeWithoutFlushing()
        fileSystem.crash()
        log = try LogTesting.open(fileSystem, config: config)
        // Rolled segments were fsynced at roll; the active one never was.
        #expect(log.logEndOffset == 30)
        #expect(try log.append(TestBatch.make(), partitionLeaderEpoch: 0).firstOffset == 30)
    }

    @Test func aFailedFsyncFailsTheLogUntilItIsReopened() throws {
        let fileSystem = InMemoryFileSystem()
        let config = LogTesting.config(flushPolicy: .everyWrite)
        var log = try LogTesting.open(fileSystem, config: config)
        try log.append(TestBatch.make(recordCount: 2), partitionLeaderEpoch: 0)
        fileSystem.failNextSync(suffix: ".log")
        #expect(throws: StorageError.self) { try log.append(TestBatch.make(), partitionLeaderEpoch: 0) }
        #expect(log.highWatermark == 2)  // the failed append was never visible
        let kind = failureKind { try log.append(TestBatch.make(), partitionLeaderEpoch: 0) }
        guard case .logFailed = kind else {
            Issue.record("expected logFailed, got \(String(describing: kind))")
            return
        }
        #expect(try log.read(from: 0, maxBytes: 1_000, minOneBatch: true).firstBatchOffset == 0)
        try log.close()  // no clean marker for a failed log
        fileSystem.crash()
        log = try LogTesting.open(fileSystem, config: config)
        #expect(!log.loadReport.cleanShutdown)
        #expect(log.logEndOffset == 2)
        #expect(try log.append(TestBatch.make(), partitionLeaderEpoch: 0).firstOffset == 2)
    }

    @Test func aFailedWriteLeavesTheEarlierDataIntact() throws {
        let fileSystem = InMemoryFileSystem()
        var log = try LogTesting.open(fileSystem, config: LogTesting.config(flushPolicy: .everyWrite))
        try log.append(TestBatch.make(), partitionLeaderEpoch: 0)
        fileSystem.failNextWrite(suffix: ".log")
        #expect(throws: StorageError.self) { try log.append(TestBatch.make(), partitionLeaderEpoch: 0) }
        #expect(log.logEndOffset == 1)
        try log.close()
        log = try LogTesting.open(fileSystem)
        #expect(try log.append(TestBatch.make(), partitionLeaderEpoch: 0).firstOffset == 1)
    }

    private func failureKind(_ body: () throws -> Void) -> StorageError.Kind? {
        do { try body() } catch let error as StorageError { return error.kind } catch {}
        return nil
    }
}
