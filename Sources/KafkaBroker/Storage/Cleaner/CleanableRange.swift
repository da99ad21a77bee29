/// Where a cleaning pass of one log may work, and whether an automatic pass should run
/// (Kafka's `LogCleanerManager.cleanableOffsets` and `LogToClean`).
///
/// - The dirty section starts at the checkpointed first dirty offset (the log start
///   offset when there is none, or when it lies outside the log).
/// - It ends at the first uncleanable offset: the lowest of the last stable offset (the
///   first offset of an open transaction, and the high watermark), the active segment's
///   base offset, and the base offset of the first dirty segment younger than
///   `min.compaction.lag.ms`; then rounded down to the base offset of the segment
///   holding it, so only whole segments are cleaned.
/// - An automatic pass runs when dirty bytes exceed `min.cleanable.dirty.ratio` of the
///   log, or when there are dirty bytes and the oldest dirty segment's first batch is
///   older than `max.compaction.lag.ms`.
struct CleanableRange: Hashable, Sendable {
    /// The base offset and figures of one segment, oldest first.
    struct Segment: Hashable, Sendable {
        var baseOffset: Int64
        var sizeInBytes: Int
        var largestTimestamp: Int64
        /// Max timestamp of the segment's first batch, if any.
        var firstBatchTimestamp: Int64?
    }

    var firstDirtyOffset: Int64
    var firstUncleanableOffset: Int64
    /// Bytes of the segments below the first dirty offset (the one holding it included).
    var cleanBytes: Int
    /// Bytes of the segments in `[firstDirtyOffset, firstUncleanableOffset)`.
    var cleanableBytes: Int
    /// `max.compaction.lag.ms` has passed for some dirty data.
    var needsCompactionNow: Bool

    var dirtyRatio: Double {
        let total = cleanBytes + cleanableBytes
        return total == 0 ? 0 : Double(cleanableBytes) / Double(total)
    }

    /// Whether an automatic pass should run.
    func isCleanable(minDirtyRatio: Double) -> Bool {
        (needsCompactionNow && cleanableBytes > 0) || dirtyRatio > minDirtyRatio
    }

    /// - Parameters:
    ///   - segments: every segment, oldest first; the last is the active one.
    ///   - lastStableOffset: min(first offset of any open transaction, high watermark).
    init(segments: [Segment], checkpointedFirstDirtyOffset: Int64?, logStartOffset: Int64, logEndOffset: Int64,
         lastStableOffset: Int64, config: CleanerConfig, nowMilliseconds: Int64) {
        precondition(!segments.isEmpty, "a log always has an active segment")
        var firstDirty = checkpointedFirstDirtyOffset ?? logStartOffset
        if firstDirty < logStartOffset || firstDirty > logEndOffset { firstDirty = logStartOffset }

        let active = segments[segments.count - 1]
        let nonActive = segments.dropLast()
        /// Index of the segment holding `offset` (the last whose base is at or below it).
        func indexOfSegment(holding offset: Int64) -> Int {
            segments.lastIndex { $0.baseOffset <= offset } ?? 0
        }
        let dirtyNonActive = nonActive[indexOfSegment(holding: firstDirty)...].filter { $0.baseOffset < active.baseOffset }

        var uncleanable = min(lastStableOffset, active.baseOffset)
        let minLag = config.minCompactionLag.milliseconds
        if minLag > 0, let young = dirtyNonActive.first(where: { $0.largestTimestamp > nowMilliseconds - minLag }) {
            uncleanable = min(uncleanable, young.baseOffset)
        }
        uncleanable = max(firstDirty, uncleanable)
        // Round down to a segment boundary (Kafka's `calculateCleanableBytes`).
        let uncleanableSegment = segments[indexOfSegment(holding: uncleanable)]
        let firstUncleanable = uncleanableSegment.baseOffset

        firstDirtyOffset = firstDirty
        firstUncleanableOffset = firstUncleanable
        cleanBytes = segments.filter { $0.baseOffset < firstDirty }.reduce(0) { $0 + $1.sizeInBytes }
        // Segments overlapping [min(firstDirty, firstUncleanable), firstUncleanable).
        let from = min(firstDirty, firstUncleanable)
        cleanableBytes = segments[indexOfSegment(holding: from)...].filter { $0.baseOffset < firstUncleanable }
            .reduce(0) { $0 + $1.sizeInBytes }

        if let maxLag = config.maxCompactionLag?.milliseconds {
            let earliest = dirtyNonActive.compactMap(\.firstBatchTimestamp).filter { $0 > 0 }.min()
            needsCompactionNow = earliest.map { $0 < nowMilliseconds - maxLag } ?? false
        } else {
            needsCompactionNow = false
        }
    }
}
