extension PartitionLog {
    /// Swaps a segment the log cleaner wrote (files with the `.cleaned` suffix, complete,
    /// fsynced, closed) in for the consecutive non-active segments `old`, whose first
    /// base offset it shares (Kafka's `LocalLog.replaceSegments`).
    ///
    /// Crash safety, step by step (``CleanerRecovery`` completes or undoes each on open):
    /// 1. `.cleaned` -> `.swap`, index files first and the log file last; a directory
    ///    fsync makes the log file's rename the commit point. Before it, recovery deletes
    ///    the `.cleaned` files and the old segments stay; after it, recovery finishes the swap.
    /// 2. `afterCommit` (a test seam), then the old segments' files are deleted.
    /// 3. `.swap` -> live names, log file last; directory fsync.
    /// 4. The new segment is opened and takes the old ones' place in `segments`.
    ///
    /// A failure anywhere fails the log (it must be reopened, which recovers it): the
    /// files may be between two states that only recovery sorts out.
    func replaceSegments(_ old: [LogSegment], with cleaned: LogSegment, afterCommit: () throws -> Void = {}) throws {
        try ensureWritable()
        guard let first = old.first, let start = segments.firstIndex(where: { $0 === first }),
              start + old.count < segments.count,
              zip(segments[start...], old).allSatisfy({ $0 === $1 }),
              cleaned.baseOffset == first.baseOffset, cleaned.fileSuffix == CleanerFileNames.cleanedSuffix
        else {
            throw StorageError(.invalidBatch("segments to replace are not consecutive non-active segments of this log"),
                               topicPartition: topicPartition)
        }
        let base = cleaned.baseOffset
        let livePaths = [LogFileNames.offsetIndexFile(base), LogFileNames.timeIndexFile(base), LogFileNames.logFile(base)]
            .map { directory + "/" + $0 }
        try failingLogOnError("replace segments") {
            for path in livePaths {
                try fileSystem.rename(from: path + CleanerFileNames.cleanedSuffix, to: path + CleanerFileNames.swapSuffix)
            }
            try fileSystem.synchronizeDirectory(at: directory)
            try afterCommit()
            for segment in old { try segment.delete() }
            for path in livePaths {
                try fileSystem.rename(from: path + CleanerFileNames.swapSuffix, to: path)
            }
            try fileSystem.synchronizeDirectory(at: directory)

            let replacement = try LogSegment.open(baseOffset: base, directory: directory, fileSystem: fileSystem,
                                                  config: config, now: clock.nowMilliseconds)
            if try !replacement.loadTrustingIndexes(config: config) {
                _ = try replacement.recover(config: config)
            }
            replacement.lastModifiedMilliseconds = cleaned.lastModifiedMilliseconds
            segments.replaceSubrange(start..<(start + old.count), with: [replacement])
        }
    }
}
