import Foundation
import KafkaProtocol
import NIOCore
import Testing
@testable import KafkaBroker

/// A crash at each step of a segment swap, simulated by stopping the pass there and
/// reopening the log without a clean close.
@Suite struct LogCleanerRecoveryTests {
    typealias Fixture = CompactedLogFixture

    struct SimulatedCrash: Error {}

    /// Six one-record batches of keys old0...old5, then six overwriting them: with
    /// 300-byte segments, two batches a segment, so segments 0-2 hold only obsolete data.
    static func overwrittenLog() throws -> Fixture {
        let fixture = try Fixture(segmentBytes: 300)
        let value = String(repeating: "v", count: 60)
        for index in 0..<6 { try fixture.append([("old\(index)", value)]) }
        for index in 0..<6 { try fixture.append([("old\(index)", value + "\(index)")]) }
        try fixture.roll()
        #expect(fixture.log.segmentBaseOffsets == [0, 2, 4, 6, 8, 10, 12])
        return fixture
    }

    /// Cleaning groups segments up to segment.bytes: this makes the first group segments 0-2.
    static func groupFirstThreeSegments(_ fixture: Fixture) throws {
        let sizes = fixture.log.segments.prefix(3).reduce(0) { $0 + $1.sizeInBytes }
        fixture.config.segmentBytes = sizes
        try fixture.log.updateConfig(fixture.config)
    }

    func leftoverFiles(_ fixture: Fixture) throws -> [String] {
        try fixture.directory.files().filter { $0.hasSuffix(".cleaned") || $0.hasSuffix(".swap") }
    }

    @Test func cleanedFilesLeftByACrashAreDiscardedOnReopen() throws {
        let fixture = try Self.overwrittenLog()
        let before = try fixture.readBatches().map(\.bytes)
        var saved: [String: Data] = [:]
        #expect(throws: SimulatedCrash.self) {
            try fixture.clean(interruption: { stage in
                guard stage == .cleanedSegmentWritten else { return }
                // What a crash would leave: the complete .cleaned files.
                for name in try fixture.directory.files() where name.hasSuffix(".cleaned") {
                    saved[name] = try fixture.directory.contents(of: name)
                }
                throw SimulatedCrash()
            })
        }
        #expect(saved.count == 3)  // .log, .index, .timeindex
        fixture.log.closeWithoutFlushing()
        for (name, data) in saved { try fixture.directory.write(data, to: name) }

        try fixture.reopen()
        #expect(try leftoverFiles(fixture).isEmpty)
        #expect(fixture.log.loadReport.notes.contains { $0.contains(".cleaned") })
        #expect(try fixture.readBatches().map(\.bytes) == before)
        #expect(fixture.log.logEndOffset == 12)
        try fixture.clean()
        #expect(try fixture.table() == fixture.expectedTable)
    }

    @Test func aCrashAfterTheSwapCommitsFinishesTheSwapOnReopen() throws {
        let fixture = try Self.overwrittenLog()
        try Self.groupFirstThreeSegments(fixture)
        #expect(throws: SimulatedCrash.self) {
            try fixture.clean(interruption: { stage in
                if stage == .swapCommitted { throw SimulatedCrash() }
            })
        }
        // The log failed: it refuses writes until reopened.
        #expect(throws: StorageError.self) { try fixture.append([("x", "y")]) }
        fixture.log.closeWithoutFlushing()
        #expect(try fixture.directory.files().contains("00000000000000000000.log.swap"))

        try fixture.reopen()
        #expect(try leftoverFiles(fixture).isEmpty)
        // Segments 2 and 4 were replaced too, although the cleaned segment holds nothing
        // (Kafka's own rule, "up to the swap segment's next offset", would have kept them).
        #expect(fixture.log.segmentBaseOffsets == [0, 6, 8, 10, 12])
        #expect(try fixture.readBatches().map(\.baseOffset) == Array(6..<12))
        #expect(try fixture.table() == fixture.expectedTable)
        #expect(try fixture.append([("new", "1")]) == 12)

        // The next pass starts over from the log start and finishes the job.
        try fixture.clean()
        #expect(try fixture.readRecords() == fixture.written.filter { $0.offset >= 6 })
    }

    @Test func aCrashBeforeTheOldSegmentsGoMatchesAnUninterruptedPass() throws {
        let interrupted = try Self.overwrittenLog()
        let reference = try Self.overwrittenLog()
        try interrupted.append([("old1", nil)])
        try reference.append([("old1", nil)])
        for fixture in [interrupted, reference] {
            try fixture.roll()
            fixture.config.segmentBytes = 1 << 20  // one group: the interrupted swap is the whole pass
            try fixture.log.updateConfig(fixture.config)
        }
        #expect(throws: SimulatedCrash.self) {
            try interrupted.clean(interruption: { if $0 == .swapCommitted { throw SimulatedCrash() } })
        }
        interrupted.log.closeWithoutFlushing()
        try interrupted.reopen()
        try reference.clean()
        #expect(try interrupted.readBatches().map(\.bytes) == reference.readBatches().map(\.bytes))
    }

    @Test func readsBeforeDuringAndAfterAPassAgree() throws {
        // The cleaner holds the log's serialization; readers see one state or the other.
        let fixture = try Self.overwrittenLog()
        let table = try fixture.table()
        try fixture.clean(interruption: { _ in
            let during = try fixture.table()
            #expect(during == table)
        })
        #expect(try fixture.table() == table)
    }
}
