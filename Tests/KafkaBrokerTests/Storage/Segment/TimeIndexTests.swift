import NIOCore
import Testing
@testable import KafkaBroker

@Suite struct TimeIndexTests {
    @Test func keepsOnlyGrowingTimestampsAndLooksUpByTimestamp() {
        var index = TimeIndex(baseOffset: 100, maxEntries: 10)
        index.maybeAppend(timestamp: 1_000, offset: 100)
        index.maybeAppend(timestamp: 1_000, offset: 110)  // not larger: skipped
        index.maybeAppend(timestamp: 2_000, offset: 120)
        index.maybeAppend(timestamp: 1_500, offset: 130)  // smaller: skipped
        index.maybeAppend(timestamp: 3_000, offset: 140)
        #expect(index.entries.count == 3)
        #expect(index.lookup(999) == (-1, 100))
        #expect(index.lookup(1_000) == (1_000, 100))
        #expect(index.lookup(2_999) == (2_000, 120))
        #expect(index.lookup(5_000) == (3_000, 140))
        #expect(index.last! == (3_000, 140))
    }

    @Test func roundTripsAndRejectsOffsetsPastTheLog() throws {
        var index = TimeIndex(baseOffset: 0, maxEntries: 10)
        index.maybeAppend(timestamp: 10, offset: 0)
        index.maybeAppend(timestamp: 20, offset: 8)
        #expect(TimeIndex.decode(index.encoded(), baseOffset: 0, maxEntries: 10, nextOffset: 9) == index)
        #expect(TimeIndex.decode(index.encoded(), baseOffset: 0, maxEntries: 10, nextOffset: 8) == nil)
    }

    @Test func theFinalEntryMayExceedTheLimit() {
        var index = TimeIndex(baseOffset: 0, maxEntries: 1)
        index.maybeAppend(timestamp: 10, offset: 0)
        index.maybeAppend(timestamp: 20, offset: 1)
        index.maybeAppend(timestamp: 30, offset: 2, force: true)
        #expect(index.entries.map(\.timestamp) == [10, 30])
    }
}
