import Foundation
import NIOCore
import Testing
@testable import KafkaBroker

/// Recovery against the real file system: files are damaged with Foundation between a
/// crash (close without flush or marker) and the reopen.
@Suite struct PartitionLogRecoveryTests {
    let config = LogTesting.config(segmentBytes: 2_000, indexIntervalBytes: 200)

    /// Appends 60 batches of 3 offsets (100 + index bytes each), "crashes", and returns
    /// the directory, the batches as stored, and the indexes as they were.
    func crashedLog() throws -> (TemporaryDirectory, [(baseOffset: Int64, bytes: ByteBuffer)], [LogSegment]) {
        let directory = try TemporaryDirectory()
        let log = try LogTesting.open(PosixLogFileSystem(), directory: directory.path, config: config)
        for index in 0..<60 {
            try log.append(TestBatch.make(recordCount: 3, baseTimestamp: Int64(index * 10), payloadSize: 39 + index % 3,
                                          fill: UInt8(index)), partitionLeaderEpoch: 2)
        }
        let batches = try LogTesting.readAll(log)
        let segments = log.segments
        log.closeWithoutFlushing()
        return (directory, batches, segments)
    }

    func reopen(_ directory: TemporaryDirectory) throws -> PartitionLog {
        try LogTesting.open(PosixLogFileSystem(), directory: directory.path, config: config)
    }

    func activeLogName(_ directory: TemporaryDirectory) throws -> String {
        try #require(try directory.files().filter { $0.hasSuffix(".log") }.last)
    }

    /// Checks that the log holds exactly `expected` and still takes appends at the right offset.
    func expectLog(_ log: PartitionLog, holds expected: ArraySlice<(baseOffset: Int64, bytes: ByteBuffer)>) throws {
        let stored = try LogTesting.readAll(log)
        #expect(stored.count == expected.count)
        #expect(zip(stored, expected).allSatisfy { $0.baseOffset == $1.baseOffset && $0.bytes == $1.bytes })
        let nextOffset = (expected.last?.baseOffset ?? -3) + 3
        #expect(log.logEndOffset == nextOffset && log.highWatermark == nextOffset)
        #expect(try log.append(TestBatch.make(), partitionLeaderEpoch: 3).firstOffset == nextOffset)
    }

    @Test func anUncleanOpenScansOnlyFromTheRecoveryPoint() throws {
        let (directory, batches, segments) = try crashedLog()
        defer { directory.remove() }
        #expect(segments.count > 3)
        let log = try reopen(directory)
        #expect(!log.loadReport.cleanShutdown)
        #expect(log.loadReport.recoveredSegments == 1)  // the active segment; older ones were fsynced at roll
        #expect(log.loadReport.truncatedBytes == 0)
        #expect(zip(log.segments, segments).allSatisfy { $0.offsetIndex == $1.offsetIndex })
        try expectLog(log, holds: batches[...])
    }

    @Test func aBatchCutInTheMiddleIsDropped() throws {
        let (directory, batches, _) = try crashedLog()
        defer { directory.remove() }
        let name = try activeLogName(directory)
        let data = try directory.contents(of: name)
        try directory.write(data.prefix(data.count - 30), to: name)
        let log = try reopen(directory)
        #expect(log.loadReport.truncatedBytes == batches.last!.bytes.readableBytes - 30)
        try expectLog(log, holds: batches.dropLast())
    }

    @Test func aBadChecksumInTheLastBatchDropsIt() throws {
        let (directory, batches, _) = try crashedLog()
        defer { directory.remove() }
        let name = try activeLogName(directory)
        var data = try directory.contents(of: name)
        data[data.count - 5] ^= 0xFF
        try directory.write(data, to: name)
        let log = try reopen(directory)
        #expect(log.loadReport.notes.contains { $0.contains("CRC") })
        try expectLog(log, holds: batches.dropLast())
    }

    @Test func garbageAfterTheLastBatchIsCutOff() throws {
        for garbage in [Data(repeating: 0, count: 500), Data((0..<7).map { UInt8($0) }), Data(TestBatch.make().readableBytesView.prefix(40))] {
            let (directory, batches, _) = try crashedLog()
            defer { directory.remove() }
            let name = try activeLogName(directory)
            try directory.write(try directory.contents(of: name) + garbage, to: name)
            let log = try reopen(directory)
            #expect(log.loadReport.truncatedBytes == garbage.count)
            try expectLog(log, holds: batches[...])
        }
    }

    @Test func missingIndexFilesAreRebuiltEvenAfterACleanShutdown() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try LogTesting.open(PosixLogFileSystem(), directory: directory.path, config: config)
        for _ in 0..<60 { try log.append(TestBatch.make(recordCount: 3, payloadSize: 39), partitionLeaderEpoch: 0) }
        let batches = try LogTesting.readAll(log)
        let indexes = log.segments.map { ($0.offsetIndex, $0.timeIndex) }
        try log.close()
        for name in try directory.files() where name.hasSuffix("index") {
            try FileManager.default.removeItem(atPath: directory.path + "/" + name)
        }
        let reopened = try reopen(directory)
        #expect(reopened.loadReport.cleanShutdown)
        #expect(reopened.loadReport.rebuiltIndexes == indexes.count)
        #expect(reopened.segments.map(\.offsetIndex) == indexes.map(\.0))
        #expect(try directory.files().filter { $0.hasSuffix(".index") }.count == indexes.count)
        try expectLog(reopened, holds: batches[...])
    }

    @Test func aCleanShutdownSkipsTheScan() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try LogTesting.open(PosixLogFileSystem(), directory: directory.path, config: config)
        for _ in 0..<60 { try log.append(TestBatch.make(recordCount: 3, payloadSize: 39), partitionLeaderEpoch: 0) }
        let batches = try LogTesting.readAll(log)
        try log.close()
        #expect(try directory.files().contains(".clean-shutdown"))
        let reopened = try reopen(directory)
        #expect(reopened.loadReport.cleanShutdown)
        #expect(reopened.loadReport.recoveredSegments == 0 && reopened.loadReport.scannedBytes == 0)
        // The marker is gone at once, so a crash from here on is treated as unclean.
        #expect(try !directory.files().contains(".clean-shutdown"))
        try expectLog(reopened, holds: batches[...])
    }

    @Test func aDamagedOlderSegmentLosesOnlyWhatFollowsTheDamage() throws {
        // The checkpoint is lost, so every segment is recovered; the second one is cut
        // mid-batch, and as in Kafka the segments after it are deleted.
        let (directory, batches, segments) = try crashedLog()
        defer { directory.remove() }
        try FileManager.default.removeItem(atPath: directory.path + "/partition.checkpoint")
        let second = LogFileNames.logFile(segments[1].baseOffset)
        let data = try directory.contents(of: second)
        try directory.write(data.prefix(data.count - 10), to: second)
        let log = try reopen(directory)
        #expect(log.loadReport.recoveredSegments == 2)
        #expect(log.loadReport.deletedSegments == segments.count - 2)
        try expectLog(log, holds: batches.prefix { $0.baseOffset < segments[2].baseOffset - 3 })
    }

    @Test func leftoversOfInterruptedOperationsAreCleanedUp() throws {
        let (directory, batches, _) = try crashedLog()
        defer { directory.remove() }
        try directory.write(Data([1, 2, 3]), to: "partition.checkpoint.tmp")
        try directory.write(Data(repeating: 0, count: 16), to: "00000000000000099999.index")
        let log = try reopen(directory)
        #expect(try !directory.files().contains("partition.checkpoint.tmp"))
        #expect(try !directory.files().contains("00000000000000099999.index"))
        try expectLog(log, holds: batches[...])
    }
}
