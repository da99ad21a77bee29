import Testing
@testable import KafkaBroker

@Suite struct RetentionPlannerTests {
    /// Four segments of 100 bytes: [0,10) [10,20) [20,30) and the active one at 30.
    let segments = (0..<4).map {
        RetentionPlanner.Segment(baseOffset: Int64($0 * 10), sizeInBytes: 100, largestTimestamp: Int64(1_000 * ($0 + 1)))
    }

    func planner(_ config: LogConfig, logStart: Int64 = 0, highWatermark: Int64 = 40, now: Int64 = 10_000) -> RetentionPlanner {
        RetentionPlanner(config: config, logStartOffset: logStart, highWatermark: highWatermark, nowMilliseconds: now)
    }

    @Test func deletesSegmentsOlderThanRetentionButNeverTheActiveOne() {
        let config = LogTesting.config(retentionTime: .milliseconds(7_500))
        // now 10_000: segment timestamps 1000 and 2000 are more than 7500 ms old.
        #expect(planner(config).plan(segments) == .init(count: 2, reasons: [.retentionTime]))
        // Everything expired: still keeps the active segment.
        #expect(planner(config, now: 100_000).plan(segments).count == 3)
    }

    @Test func deletesOldestWhileTheRestStaysAtOrAboveRetentionBytes() {
        #expect(planner(LogTesting.config(retentionBytes: 250)).plan(segments) == .init(count: 1, reasons: [.retentionSize]))
        #expect(planner(LogTesting.config(retentionBytes: 200)).plan(segments).count == 2)
        #expect(planner(LogTesting.config(retentionBytes: 0)).plan(segments).count == 3)
        #expect(planner(LogTesting.config(retentionBytes: 400)).plan(segments).count == 0)
    }

    @Test func deletesSegmentsBelowTheLogStartOffsetUnderAnyPolicy() {
        var config = LogTesting.config()
        config.cleanupPolicy = .compact
        #expect(planner(config, logStart: 25).plan(segments) == .init(count: 2, reasons: [.logStartOffset]))
        #expect(planner(config, logStart: 19).plan(segments).count == 1)
    }

    @Test func keepsSegmentsReachingTheHighWatermark() {
        let config = LogTesting.config(retentionBytes: 0)
        #expect(planner(config, highWatermark: 15).plan(segments).count == 1)
    }

    @Test func compactTopicsIgnoreTimeAndSize() {
        var config = LogTesting.config(retentionTime: .milliseconds(1), retentionBytes: 0)
        config.cleanupPolicy = .compact
        #expect(planner(config).plan(segments).count == 0)
    }
}
