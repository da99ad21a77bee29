import NIOCore
import Testing
@testable import KafkaBroker

@Suite struct PartitionLogIndexTests {
    /// Thousands of batches of varied sizes over several segments: every offset's
    /// position and read agree with a linear scan of what was appended.
    @Test func indexedLookupsAgreeWithALinearScan() throws {
        let log = try LogTesting.open(InMemoryFileSystem(), config: LogTesting.config(segmentBytes: 64 * 1024, indexIntervalBytes: 512))
        var expected: [(base: Int64, last: Int64, segment: Int64, position: Int)] = []
        var segmentBase: Int64 = 0
        var position = 0
        for index in 0..<3_000 {
            let count = Int32(index % 7 + 1)
            let batch = TestBatch.make(recordCount: count, payloadSize: (index * 37) % 300)
            let info = try log.append(batch, partitionLeaderEpoch: 0)
            if log.activeSegment.baseOffset != segmentBase {
                segmentBase = log.activeSegment.baseOffset
                position = 0
            }
            expected.append((info.firstOffset, info.lastOffset, segmentBase, position))
            position += batch.readableBytes
        }
        #expect(log.segments.count > 5)
        #expect(log.segments.allSatisfy { $0.offsetIndex.entries.count > 50 })

        var batchIndex = 0
        for offset in 0..<log.logEndOffset {
            while expected[batchIndex].last < offset { batchIndex += 1 }
            let batch = expected[batchIndex]
            let found = try log.position(of: offset)
            #expect(found.segmentBaseOffset == batch.segment && found.positionInSegment == batch.position)
            if offset % 97 == 0 {
                #expect(try log.read(from: offset, maxBytes: 1, minOneBatch: true).firstBatchOffset == batch.base)
            }
        }
        #expect(try log.position(of: log.logEndOffset).positionInSegment == log.activeSegment.sizeInBytes)
    }
}
