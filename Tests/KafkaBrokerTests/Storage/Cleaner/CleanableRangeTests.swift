import Testing
@testable import KafkaBroker

/// When automatic passes run, and how far any pass may go.
@Suite struct CleanableRangeTests {
    typealias Fixture = CompactedLogFixture

    static func overwrites(_ fixture: Fixture, count: Int) throws {
        for index in 0..<count { try fixture.append([("key\(index % 3)", "value \(index)")]) }
        try fixture.roll()
    }

    @Test func anAutomaticPassNeedsTheDirtyRatio() throws {
        let fixture = try Fixture(segmentBytes: 400)
        try Self.overwrites(fixture, count: 20)
        var outcome = try fixture.clean(force: false)
        #expect(outcome.didClean && outcome.dirtyRatio == 1)

        try fixture.append([("key0", "new")])
        try fixture.roll()
        outcome = try fixture.clean(force: false)
        #expect(!outcome.didClean && outcome.skippedReason != nil)
        #expect(outcome.dirtyRatio > 0 && outcome.dirtyRatio <= 0.5)

        var config = CleanerConfig()
        config.minCleanableDirtyRatio = outcome.dirtyRatio / 2
        outcome = try fixture.clean(config, force: false)
        #expect(outcome.didClean)
        #expect(try fixture.table() == fixture.expectedTable)
    }

    @Test func maxCompactionLagOverridesTheRatio() throws {
        let fixture = try Fixture(segmentBytes: 400)
        try Self.overwrites(fixture, count: 20)
        try fixture.clean(force: false)
        try fixture.append([("key0", "new")])
        try fixture.roll()
        var config = CleanerConfig()
        config.maxCompactionLag = .milliseconds(60_000)
        #expect(try !fixture.clean(config, force: false).didClean)
        fixture.clock.advance(milliseconds: 60_001)
        #expect(try fixture.clean(config, force: false).didClean)
    }

    @Test func minCompactionLagHoldsYoungSegmentsBackEvenWhenForced() throws {
        let fixture = try Fixture(segmentBytes: 400)
        try Self.overwrites(fixture, count: 6)
        let firstPart = fixture.log.logEndOffset
        fixture.clock.advance(milliseconds: 30_000)
        try Self.overwrites(fixture, count: 6)
        var config = CleanerConfig()
        config.minCompactionLag = .milliseconds(60_000)

        var outcome = try fixture.clean(config)
        #expect(!outcome.didClean && outcome.firstUncleanableOffset == 0)

        fixture.clock.advance(milliseconds: 30_001)  // the first part is old enough now
        outcome = try fixture.clean(config)
        #expect(outcome.didClean && outcome.firstUncleanableOffset == firstPart)
        #expect(try fixture.readRecords().allSatisfy { $0.offset >= firstPart - 3 })

        fixture.clock.advance(milliseconds: 30_000)
        #expect(try fixture.clean(config).didClean)
        #expect(try fixture.readRecords().map(\.offset) == Array((fixture.log.logEndOffset - 3)..<fixture.log.logEndOffset))
    }

    @Test func theCheckpointSurvivesAReopenAndRejectsGarbage() throws {
        let fixture = try Fixture(segmentBytes: 400)
        try Self.overwrites(fixture, count: 10)
        try fixture.clean()
        try fixture.log.close()
        try fixture.reopen()
        let checkpoint = try CleanerCheckpoint.read(directory: fixture.directory.path, fileSystem: PosixLogFileSystem())
        #expect(checkpoint == CleanerCheckpoint(firstDirtyOffset: 10))

        let encoded = CleanerCheckpoint(firstDirtyOffset: 7, pendingSwap: .init(baseOffset: 0, endOffset: 5)).encoded()
        #expect(try CleanerCheckpoint(decoding: encoded).pendingSwap?.endOffset == 5)
        #expect(throws: StorageError.self) { try CleanerCheckpoint(decoding: Array("0\nfirst-dirty-offset x\n".utf8)) }
        #expect(throws: StorageError.self) { try CleanerCheckpoint(decoding: Array("1\n".utf8)) }
    }
}
