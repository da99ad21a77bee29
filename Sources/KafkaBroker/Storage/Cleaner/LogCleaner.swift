import KafkaProtocol
import NIOCore

/// One cleaning pass over a compacted partition log (Kafka's `Cleaner.doClean`).
///
/// 1. Find the dirty section `[first dirty, first uncleanable)` (``CleanableRange``);
///    an automatic pass stops here unless the log is dirty enough.
/// 2. Map every key of the dirty section to the offset of its latest record
///    (``OffsetMap``); batches of aborted transactions add nothing.
/// 3. Group the segments below the end of the mapped section, from the first segment
///    on (the clean section too, so tombstones past their horizon go), into runs that
///    fit one segment (`segment.bytes`, the index size, int32 relative offsets), as
///    Kafka's `groupSegmentsBySize` does.
/// 4. Filter each group into one new segment written with the `.cleaned` suffix
///    (``CleanerBatchFilter``), then swap it in (``PartitionLog/replaceSegments(_:with:afterCommit:)``).
/// 5. Checkpoint the end of the mapped section as the next first dirty offset.
///
/// The active segment is never touched; `logStartOffset`, the high watermark and the
/// log end offset do not change; every surviving record keeps its offset.
///
/// Runs under the owner's serialization of the log (``Partition``'s lock), so readers
/// see the log either before or after each segment swap.
struct LogCleaner {
    /// Points between the steps of a segment swap, for tests that simulate a crash there.
    enum Stage: Hashable, Sendable {
        /// The cleaned segment is complete and durable under its `.cleaned` names.
        case cleanedSegmentWritten
        /// The swap is committed (`.swap` names); the old segments are still there.
        case swapCommitted
    }

    var config: CleanerConfig
    var nowMilliseconds: Int64
    /// The partition's producers that have not expired.
    var lastRecordsOfActiveProducers: [Int64: ProducerLastRecord] = [:]
    /// The first offset of the oldest open transaction, if any.
    var firstUnstableOffset: Int64?
    /// Called at each ``Stage``; a test throws from it to stop the pass there.
    var interruption: ((Stage) throws -> Void)?

    /// Output is appended to the cleaned segment in chunks of about this size.
    static let writeChunkBytes = 1 << 20

    /// Runs a pass. `force` skips the dirty-ratio and `max.compaction.lag.ms` test (the
    /// test hook), and cleans the clean section even when nothing new is dirty, so
    /// tombstones whose horizon has passed go; `min.compaction.lag.ms` and the last stable
    /// offset still bound what is cleaned.
    func clean(_ log: PartitionLog, force: Bool) throws -> CleaningOutcome {
        try log.ensureWritable()
        guard log.config.cleanupPolicy.contains(.compact) else {
            return CleaningOutcome(skippedReason: "cleanup.policy does not include compact")
        }
        // An unreadable checkpoint only costs a full pass from the log start.
        var checkpoint = (try? CleanerCheckpoint.read(directory: log.directory, fileSystem: log.fileSystem))
            ?? CleanerCheckpoint()
        let range = CleanableRange(
            segments: log.segments.map {
                CleanableRange.Segment(baseOffset: $0.baseOffset, sizeInBytes: $0.sizeInBytes,
                                       largestTimestamp: $0.largestTimestamp, firstBatchTimestamp: $0.firstBatchTimestamp)
            },
            checkpointedFirstDirtyOffset: checkpoint.firstDirtyOffset, logStartOffset: log.logStartOffset,
            logEndOffset: log.logEndOffset, lastStableOffset: min(firstUnstableOffset ?? .max, log.highWatermark),
            config: config, nowMilliseconds: nowMilliseconds)
        var outcome = CleaningOutcome()
        outcome.firstDirtyOffset = range.firstDirtyOffset
        outcome.firstUncleanableOffset = range.firstUncleanableOffset
        outcome.dirtyRatio = range.dirtyRatio
        outcome.nextDirtyOffset = range.firstDirtyOffset
        if !force, !range.isCleanable(minDirtyRatio: config.minCleanableDirtyRatio) {
            outcome.skippedReason = "dirty ratio \(range.dirtyRatio) is not above min.cleanable.dirty.ratio "
                + "\(config.minCleanableDirtyRatio) and max.compaction.lag.ms has not passed"
            return outcome
        }

        let upperBound = range.firstUncleanableOffset
        let aborted = try AbortedTransactionScanner.collect(in: log.segments, upperBound: upperBound)
        var map = try buildOffsetMap(log, from: range.firstDirtyOffset, to: upperBound, aborted: aborted)
        outcome.keysMapped = map.count
        var endOffset = map.latestOffset + 1
        if map.latestOffset < range.firstDirtyOffset {
            // Nothing dirty. A forced pass still rewrites the clean section (with an empty
            // map every key there is judged only by the tombstone rule).
            guard force else {
                outcome.skippedReason = "no dirty batches below offset \(upperBound)"
                return outcome
            }
            endOffset = min(range.firstDirtyOffset, upperBound)
            map.updateLatestOffset(endOffset - 1)
        }

        let cleanable = Array(log.segments.dropLast().prefix { $0.baseOffset < endOffset })
        guard !cleanable.isEmpty else {
            outcome.skippedReason = "no segment below offset \(endOffset)"
            return outcome
        }
        var transactions = CleanedTransactionMetadata(abortedTransactions: aborted)
        let filter = CleanerBatchFilter(
            map: map, nowMilliseconds: nowMilliseconds, deleteRetentionMilliseconds: config.deleteRetention.milliseconds,
            lastRecordsOfActiveProducers: lastRecordsOfActiveProducers, upperBoundOffset: upperBound,
            maxDecompressedSize: Int(Int32.max))
        for group in Self.groupSegmentsBySize(cleanable, config: log.config, firstUncleanableOffset: upperBound) {
            try cleanSegments(group, of: log, filter: filter, transactions: &transactions,
                              checkpoint: &checkpoint, outcome: &outcome)
        }
        checkpoint.firstDirtyOffset = max(endOffset, range.firstDirtyOffset)
        checkpoint.pendingSwap = nil
        try log.failingLogOnError("cleaner checkpoint") {
            try checkpoint.write(directory: log.directory, fileSystem: log.fileSystem)
        }
        outcome.nextDirtyOffset = checkpoint.firstDirtyOffset!
        return outcome
    }

    // MARK: Offset map

    /// Kafka's `buildOffsetMap` over the segments overlapping `[start, end)`.
    private func buildOffsetMap(_ log: PartitionLog, from start: Int64, to end: Int64,
                                aborted: [AbortedTransaction]) throws -> OffsetMap {
        var map = OffsetMap()
        guard start < end else { return map }
        var transactions = CleanedTransactionMetadata(abortedTransactions: aborted.filter { $0.lastOffset >= start })
        let first = log.segmentIndex(containing: start)
        for segment in log.segments[first...] where segment.baseOffset < end {
            try segment.forEachBatch { batch in
                guard batch.lastOffset >= start else { return }
                if batch.isControl {
                    _ = transactions.onControlBatchRead(batch)
                } else if !transactions.onBatchRead(batch) {
                    for record in try batch.records(maxDecompressedSize: Int(Int32.max)) {
                        let offset = record.offset(in: batch)
                        if let key = record.key, offset >= start { map.put(key: key, offset: offset) }
                    }
                }
                map.updateLatestOffset(batch.lastOffset)
            }
        }
        return map
    }

    // MARK: Grouping

    /// Kafka's `groupSegmentsBySize`: consecutive segments whose combined log and index
    /// sizes fit one segment and whose offsets fit its int32 relative offsets.
    static func groupSegmentsBySize(_ segments: [LogSegment], config: LogConfig,
                                    firstUncleanableOffset: Int64) -> [[LogSegment]] {
        var groups: [[LogSegment]] = []
        var index = 0
        while index < segments.count {
            var group = [segments[index]]
            var logSize = segments[index].sizeInBytes
            var offsetIndexSize = segments[index].offsetIndex.entries.count * OffsetIndex.entrySize
            var timeIndexSize = segments[index].timeIndex.entries.count * TimeIndex.entrySize
            index += 1
            while index < segments.count {
                let next = segments[index]
                let nextOffsetIndexSize = next.offsetIndex.entries.count * OffsetIndex.entrySize
                let nextTimeIndexSize = next.timeIndex.entries.count * TimeIndex.entrySize
                // The last offset the candidate can hold: just below the segment after it.
                let lastOffset = (index + 1 < segments.count ? segments[index + 1].baseOffset : firstUncleanableOffset) - 1
                guard logSize + next.sizeInBytes <= config.segmentBytes,
                      offsetIndexSize + nextOffsetIndexSize <= config.segmentIndexBytes,
                      timeIndexSize + nextTimeIndexSize <= config.segmentIndexBytes,
                      next.sizeInBytes == 0 || lastOffset - group[0].baseOffset <= Int64(Int32.max)
                else { break }
                group.append(next)
                logSize += next.sizeInBytes
                offsetIndexSize += nextOffsetIndexSize
                timeIndexSize += nextTimeIndexSize
                index += 1
            }
            groups.append(group)
        }
        return groups
    }

    // MARK: Cleaning a group

    /// Kafka's `cleanSegments`: filters `group` into one `.cleaned` segment and swaps it in.
    private func cleanSegments(_ group: [LogSegment], of log: PartitionLog, filter: CleanerBatchFilter,
                               transactions: inout CleanedTransactionMetadata, checkpoint: inout CleanerCheckpoint,
                               outcome: inout CleaningOutcome) throws {
        guard let groupEnd = log.segments.first(where: { $0.baseOffset > group[group.count - 1].baseOffset })?.baseOffset
        else { preconditionFailure("the active segment is never cleaned") }
        let cleaned = try LogSegment.create(
            baseOffset: group[0].baseOffset, directory: log.directory, fileSystem: log.fileSystem, config: log.config,
            now: nowMilliseconds, fileSuffix: CleanerFileNames.cleanedSuffix)
        do {
            for segment in group {
                try cleanInto(cleaned, from: segment, filter: filter, transactions: &transactions,
                              indexIntervalBytes: log.config.indexIntervalBytes, outcome: &outcome)
            }
            cleaned.markInactive()
            try cleaned.flush()
            // As Kafka: the cleaned segment keeps the last modification time of the data
            // it replaces (retention of segments without timestamps counts from it).
            cleaned.lastModifiedMilliseconds = group.map(\.lastModifiedMilliseconds).max() ?? nowMilliseconds
            try cleaned.logFile.close()
            try interruption?(.cleanedSegmentWritten)
        } catch {
            try? cleaned.delete()
            throw error
        }

        // Written before the swap commits, so recovery knows exactly which segments
        // the swap replaces (see CleanerCheckpoint).
        checkpoint.pendingSwap = CleanerCheckpoint.PendingSwap(baseOffset: group[0].baseOffset, endOffset: groupEnd)
        do {
            try checkpoint.write(directory: log.directory, fileSystem: log.fileSystem)
        } catch {
            try? cleaned.delete()
            throw error
        }
        try log.replaceSegments(group, with: cleaned, afterCommit: { try interruption?(.swapCommitted) })
        outcome.segmentsCleaned += group.count
        outcome.segmentsWritten += 1
    }

    /// Kafka's `cleanInto`: one source segment through the filter into `cleaned`.
    private func cleanInto(_ cleaned: LogSegment, from segment: LogSegment, filter: CleanerBatchFilter,
                           transactions: inout CleanedTransactionMetadata, indexIntervalBytes: Int,
                           outcome: inout CleaningOutcome) throws {
        var pending = ByteBuffer()
        func write() throws {
            guard pending.readableBytes > 0 else { return }
            let headers = try PartitionLog.parseBatches(pending)
            try cleaned.append(pending, batches: headers, indexIntervalBytes: indexIntervalBytes, now: nowMilliseconds)
            outcome.bytesWritten += pending.readableBytes
            pending.clear()
        }
        try segment.forEachBatch { batch in
            outcome.batchesRead += 1
            outcome.recordsRead += Int(batch.recordCount)
            outcome.bytesRead += batch.sizeInBytes
            switch try filter.filter(batch, transactions: &transactions) {
            case .deleted:
                outcome.batchesDeleted += 1
            case .retained(let bytes):
                outcome.recordsRetained += Int(batch.recordCount)
                pending.writeImmutableBuffer(bytes)
            case .rebuilt(let bytes, let retained):
                outcome.batchesRebuilt += 1
                outcome.recordsRetained += retained
                pending.writeImmutableBuffer(bytes)
            case .emptied(let bytes):
                outcome.batchesEmptied += 1
                pending.writeImmutableBuffer(bytes)
            }
            if pending.readableBytes >= Self.writeChunkBytes { try write() }
        }
        try write()
    }
}
