import NIOCore
import Testing
@testable import KafkaBroker

@Suite struct OffsetIndexTests {
    @Test func lookupFindsTheGreatestEntryAtOrBelow() {
        var index = OffsetIndex(baseOffset: 1_000, maxEntries: 100)
        for step in 1...50 { index.append(offset: 1_000 + Int64(step * 10), position: step * 4_096) }
        #expect(index.lookup(999) == (1_000, 0))
        #expect(index.lookup(1_009) == (1_000, 0))
        #expect(index.lookup(1_010) == (1_010, 4_096))
        #expect(index.lookup(1_255) == (1_250, 25 * 4_096))
        #expect(index.lookup(9_999) == (1_500, 50 * 4_096))
    }

    @Test func roundTripsThroughItsFileFormat() throws {
        var index = OffsetIndex(baseOffset: 5, maxEntries: 10)
        index.append(offset: 7, position: 100)
        index.append(offset: 12, position: 300)
        let decoded = try #require(OffsetIndex.decode(index.encoded(), baseOffset: 5, maxEntries: 10, logSize: 400))
        #expect(decoded == index)
        var tail = index.encoded(from: 1)
        #expect(tail.readInteger(endianness: .big, as: Int32.self) == 7)
    }

    @Test func rejectsFilesThatDoNotFitTheLog() {
        var index = OffsetIndex(baseOffset: 0, maxEntries: 10)
        index.append(offset: 3, position: 100)
        index.append(offset: 9, position: 500)
        // A position past the end of the log, a partial entry, and decreasing entries.
        #expect(OffsetIndex.decode(index.encoded(), baseOffset: 0, maxEntries: 10, logSize: 400) == nil)
        var partial = index.encoded()
        partial.writeInteger(UInt8(1))
        #expect(OffsetIndex.decode(partial, baseOffset: 0, maxEntries: 10, logSize: 1_000) == nil)
        var backwards = ByteBuffer()
        backwards.writeMultipleIntegers(Int32(9), Int32(500), Int32(3), Int32(100), endianness: .big)
        #expect(OffsetIndex.decode(backwards, baseOffset: 0, maxEntries: 10, logSize: 1_000) == nil)
    }

    @Test func ignoresEntriesThatWouldNotGrowAndStopsWhenFull() {
        var index = OffsetIndex(baseOffset: 0, maxEntries: 2)
        index.append(offset: 5, position: 10)
        index.append(offset: 5, position: 20)
        index.append(offset: 6, position: 30)
        index.append(offset: 7, position: 40)
        #expect(index.entries.count == 2)
        #expect(index.isFull)
    }
}
