extension PartitionLog {
    /// Deletes the oldest segments that retention allows (see ``RetentionPlanner``) and
    /// moves the log start offset up to the first remaining segment. The owner calls this
    /// periodically (Kafka: every `log.retention.check.interval.ms`, 5 minutes).
    @discardableResult
    public func applyRetention() throws -> RetentionOutcome {
        try ensureWritable()
        let planner = RetentionPlanner(config: config, logStartOffset: logStartOffset,
                                       highWatermark: highWatermark, nowMilliseconds: clock.nowMilliseconds)
        let plan = planner.plan(segments.map {
            RetentionPlanner.Segment(baseOffset: $0.baseOffset, sizeInBytes: $0.sizeInBytes,
                                     largestTimestamp: $0.largestTimestamp)
        })
        var outcome = RetentionOutcome(reasons: plan.reasons, logStartOffset: logStartOffset)
        guard plan.count > 0 else { return outcome }
        outcome.deletedSegments = plan.count
        outcome.deletedBytes = segments.prefix(plan.count).reduce(0) { $0 + $1.sizeInBytes }
        try failingLogOnError("retention") { try deleteOldestSegments(plan.count) }
        outcome.logStartOffset = logStartOffset
        return outcome
    }

    /// Moves the log start offset to `offset` (the DeleteRecords API) and deletes the
    /// segments wholly below it. Returns the new log start offset (the response's low
    /// watermark).
    ///
    /// - `offset` may fall inside a batch: the batch stays, and reads from the new log
    ///   start offset return it whole (the consumer skips the records before it).
    /// - -1 means the high watermark, as on the wire.
    /// - At or below the current log start offset: nothing changes.
    /// - Above the high watermark: `beyondHighWatermark` (OFFSET_OUT_OF_RANGE).
    /// - Needs `cleanup.policy` to include `delete`, else `policyViolation`.
    ///
    /// The new log start offset is durable (checkpointed) before this returns.
    @discardableResult
    public func deleteRecords(before offset: Int64) throws -> Int64 {
        try ensureWritable()
        guard config.cleanupPolicy.contains(.delete) else {
            throw StorageError(.policyViolation("DeleteRecords needs cleanup.policy to include delete"),
                               topicPartition: topicPartition)
        }
        let target = offset == -1 ? highWatermark : offset
        guard target >= 0 else {
            throw StorageError(.offsetOutOfRange(requested: offset, logStartOffset: logStartOffset, logEndOffset: logEndOffset),
                               topicPartition: topicPartition)
        }
        guard target <= highWatermark else {
            throw StorageError(.beyondHighWatermark(requested: target, highWatermark: highWatermark),
                               topicPartition: topicPartition)
        }
        guard target > logStartOffset else { return logStartOffset }
        try failingLogOnError("delete records") {
            logStartOffset = target
            var count = 0
            while count < segments.count - 1, segments[count + 1].baseOffset <= logStartOffset { count += 1 }
            if count > 0 {
                try deleteOldestSegments(count)
            } else {
                try writeCheckpoint()
            }
        }
        return logStartOffset
    }

    /// Removes the `count` oldest segments. The new log start offset is checkpointed
    /// before any file goes, so a crash in between leaves segments below the log start
    /// offset, which the next open deletes, and never a log start offset below the data.
    func deleteOldestSegments(_ count: Int) throws {
        let doomed = segments.prefix(count)
        segments.removeFirst(count)
        logStartOffset = max(logStartOffset, segments[0].baseOffset)
        highWatermark = max(highWatermark, logStartOffset)
        try writeCheckpoint()
        for segment in doomed { try segment.delete() }
    }
}
