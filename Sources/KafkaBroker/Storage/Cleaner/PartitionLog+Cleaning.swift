extension PartitionLog {
    /// Runs one log-cleaner pass over this log (see ``LogCleaner``); a log whose
    /// `cleanup.policy` does not include `compact` is left alone.
    ///
    /// - Parameters:
    ///   - activeProducers: the partition's unexpired producers; their last batches stay.
    ///   - firstUnstableOffset: first offset of the oldest open transaction; nothing at or
    ///     past it is cleaned.
    ///   - force: clean now whatever `min.cleanable.dirty.ratio` says (the test hook).
    @discardableResult
    public func clean(
        config: CleanerConfig, activeProducers: [Int64: ProducerLastRecord] = [:], firstUnstableOffset: Int64? = nil,
        force: Bool = false
    ) throws -> CleaningOutcome {
        let cleaner = LogCleaner(config: config, nowMilliseconds: clock.nowMilliseconds,
                                 lastRecordsOfActiveProducers: activeProducers, firstUnstableOffset: firstUnstableOffset)
        do {
            return try cleaner.clean(self, force: force)
        } catch let error as StorageError {
            throw error.inPartition(topicPartition)
        }
    }
}
