import NIOCore
import Testing
@testable import KafkaBroker

@Suite struct PartitionLogOffsetLookupTests {
    /// 2,000 single-record batches whose max timestamps wander but trend up, over several
    /// segments; each lookup is checked against a linear scan.
    @Test func timestampLookupsAgreeWithALinearScan() throws {
        let log = try LogTesting.open(InMemoryFileSystem(), config: LogTesting.config(segmentBytes: 16 * 1024, indexIntervalBytes: 300))
        var timestamps: [Int64] = []
        for index in 0..<2_000 {
            let timestamp = Int64(10_000 + index * 10 + (index % 13) * 25 - (index % 7) * 40)
            timestamps.append(timestamp)
            try log.append(TestBatch.make(baseTimestamp: timestamp, payloadSize: index % 50), partitionLeaderEpoch: 0)
        }
        #expect(log.segments.count > 5)
        for target in stride(from: Int64(9_000), through: 31_000, by: 37) {
            let expected = timestamps.firstIndex { $0 >= target }
            let found = try log.lookupOffset(.timestamp(target))
            #expect(found?.offset == expected.map(Int64.init), "target \(target)")
            if let expected, let found {
                #expect(found.timestamp == timestamps[expected])
                #expect(TestBatch.batches(in: try #require(found.batch)).first?.baseOffset == Int64(expected))
            }
        }
        let max = try #require(try log.lookupOffset(.maxTimestamp))
        #expect(max.timestamp == timestamps.max())
        #expect(max.offset == Int64(timestamps.firstIndex(of: timestamps.max()!)!))
    }

    @Test func earliestLatestAndTheLogStartOffset() throws {
        let log = try LogTesting.open(InMemoryFileSystem())
        #expect(try log.lookupOffset(.maxTimestamp) == nil)
        try log.append(TestBatch.make(recordCount: 5, baseTimestamp: 100, maxTimestamp: 500), partitionLeaderEpoch: 0)
        try log.append(TestBatch.make(recordCount: 5, baseTimestamp: 200, maxTimestamp: 300), partitionLeaderEpoch: 0)
        #expect(try log.lookupOffset(.earliest)?.offset == 0)
        #expect(try log.lookupOffset(.latest)?.offset == 10)
        #expect(try log.lookupOffset(.timestamp(501)) == nil)
        #expect(try log.lookupOffset(.maxTimestamp)?.offset == 0)
        try log.deleteRecords(before: 3)
        #expect(try log.lookupOffset(.earliest)?.offset == 3)
        // The first batch reaches 400 but starts below the log start offset.
        #expect(try log.lookupOffset(.timestamp(400))?.offset == 3)
        #expect(try log.lookupOffset(.maxTimestamp)?.offset == 3)
        try log.deleteRecords(before: 7)
        #expect(try log.lookupOffset(.timestamp(400)) == nil)
        #expect(try log.lookupOffset(.timestamp(250))?.offset == 7)
    }

    @Test func timestampLookupsSurviveAReopen() throws {
        let fileSystem = InMemoryFileSystem()
        let config = LogTesting.config(segmentBytes: 2_000, indexIntervalBytes: 200)
        var log = try LogTesting.open(fileSystem, config: config)
        for index in 0..<200 {
            try log.append(TestBatch.make(baseTimestamp: Int64(index * 100)), partitionLeaderEpoch: 0)
        }
        try log.close()
        log = try LogTesting.open(fileSystem, config: config)
        #expect(log.loadReport.cleanShutdown)
        #expect(try log.lookupOffset(.timestamp(12_345))?.offset == 124)
        #expect(try log.lookupOffset(.maxTimestamp)?.offset == 199)
    }
}
