import NIOCore
import Testing
@testable import KafkaBroker

@Suite struct BatchHeaderTests {
    @Test func readsEveryHeaderField() throws {
        var bytes = TestBatch.make(recordCount: 5, baseTimestamp: 100, maxTimestamp: 140, payloadSize: 7, producerId: 42)
        bytes.setInteger(Int64(9_000), at: 0, endianness: .big)
        let header = try #require(BatchHeader(from: bytes, at: bytes.readerIndex))
        #expect(header.baseOffset == 9_000)
        #expect(header.totalSize == 61 + 7)
        #expect(header.magic == 2)
        #expect(header.lastOffsetDelta == 4)
        #expect(header.lastOffset == 9_004)
        #expect(header.nextOffset == 9_005)
        #expect(header.baseTimestamp == 100)
        #expect(header.maxTimestamp == 140)
        #expect(header.producerId == 42)
        #expect(header.recordCount == 5)
        #expect(header.structuralProblem == nil)
    }

    @Test func checksumMatchesTheBitwiseReference() {
        for size in [0, 1, 13, 200] {
            let bytes = TestBatch.make(payloadSize: size, fill: UInt8(size % 251))
            #expect(BatchHeader.hasValidChecksum(bytes, at: 0, totalSize: bytes.readableBytes))
        }
        var corrupt = TestBatch.make(payloadSize: 30)
        corrupt.setInteger(UInt8(0), at: 70)
        #expect(!BatchHeader.hasValidChecksum(corrupt, at: 0, totalSize: corrupt.readableBytes))
    }

    @Test func assigningOffsetAndEpochKeepsTheChecksum() throws {
        var bytes = TestBatch.make(payloadSize: 10)
        BatchHeader.assign(baseOffset: 77, partitionLeaderEpoch: 3, in: &bytes, at: 0)
        let header = try #require(BatchHeader(from: bytes, at: 0))
        #expect(header.baseOffset == 77)
        #expect(header.partitionLeaderEpoch == 3)
        #expect(BatchHeader.hasValidChecksum(bytes, at: 0, totalSize: bytes.readableBytes))
    }

    @Test func shortInputAndBadMagicAreReported() throws {
        let bytes = TestBatch.make()
        #expect(BatchHeader(from: bytes.getSlice(at: 0, length: 60)!, at: 0) == nil)
        var legacy = bytes
        legacy.setInteger(Int8(1), at: 16)
        #expect(try #require(BatchHeader(from: legacy, at: 0)).structuralProblem != nil)
    }
}
