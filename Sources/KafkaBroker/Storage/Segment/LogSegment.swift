import NIOCore

/// One segment of a partition log: a `.log` file of whole record batches and its sparse
/// offset and time indexes (Kafka's `LogSegment`).
///
/// A segment holds every batch whose offsets start at or above `baseOffset` and below the
/// next segment's base offset. Only the last segment of a log (the active one) is
/// appended to. The indexes live in memory and are written to their files on flush, on
/// roll and on close; after a crash they are rebuilt from the log, which is the only
/// source of truth.
///
/// Not thread-safe: used under its ``PartitionLog``'s serialization.
final class LogSegment {
    let baseOffset: Int64
    let directory: String
    let fileSystem: any LogFileSystem
    let logFile: any LogFile

    /// Bytes of whole batches in the log file.
    var sizeInBytes: Int
    /// One past the last offset in the segment (`baseOffset` when empty).
    var nextOffset: Int64
    var offsetIndex: OffsetIndex
    var timeIndex: TimeIndex
    /// The largest batch max timestamp in the segment, or -1.
    var maxTimestampSoFar: Int64 = BatchHeader.noTimestamp
    /// Base offset of the first batch that reached `maxTimestampSoFar`.
    var offsetOfMaxTimestampSoFar: Int64
    /// Max timestamp of the first batch: what `segment.ms` counts from (Kafka's
    /// `rollingBasedTimestamp`).
    var firstBatchTimestamp: Int64?
    /// When this segment object was created or opened, for `segment.ms` on batches
    /// without timestamps.
    let createdAtMilliseconds: Int64
    /// When data was last appended (or the segment opened): the retention time of a
    /// segment without timestamps, in place of Kafka's file modification time.
    var lastModifiedMilliseconds: Int64
    var bytesSinceLastIndexEntry = 0
    var persistedOffsetIndexEntries = 0
    var persistedTimeIndexEntries = 0
    var hasUnflushedData = false
    /// Whether the index files match the in-memory indexes up to the persisted counts.
    /// A new segment has none yet; they are created on its first flush, so that on open
    /// a missing index file always means "rebuild".
    var indexFilesExist = false
    /// Appended to every file name: empty for a live segment, `.cleaned` for one the log
    /// cleaner is writing (Kafka's `fileSuffix`), so a crash never mistakes it for a
    /// live segment.
    let fileSuffix: String

    init(baseOffset: Int64, directory: String, fileSystem: any LogFileSystem, logFile: any LogFile,
         sizeInBytes: Int, config: LogConfig, now: Int64, fileSuffix: String = "") {
        self.baseOffset = baseOffset
        self.fileSuffix = fileSuffix
        self.directory = directory
        self.fileSystem = fileSystem
        self.logFile = logFile
        self.sizeInBytes = sizeInBytes
        self.nextOffset = baseOffset
        self.offsetIndex = OffsetIndex(baseOffset: baseOffset, maxEntries: config.maxOffsetIndexEntries)
        self.timeIndex = TimeIndex(baseOffset: baseOffset, maxEntries: config.maxTimeIndexEntries)
        self.offsetOfMaxTimestampSoFar = baseOffset
        self.createdAtMilliseconds = now
        self.lastModifiedMilliseconds = now
    }

    var logPath: String { directory + "/" + LogFileNames.logFile(baseOffset) + fileSuffix }
    var offsetIndexPath: String { directory + "/" + LogFileNames.offsetIndexFile(baseOffset) + fileSuffix }
    var timeIndexPath: String { directory + "/" + LogFileNames.timeIndexFile(baseOffset) + fileSuffix }

    /// Creates an empty segment, replacing any files left at that base offset (with the
    /// same `fileSuffix`).
    static func create(baseOffset: Int64, directory: String, fileSystem: any LogFileSystem,
                       config: LogConfig, now: Int64, fileSuffix: String = "") throws -> LogSegment {
        let file = try fileSystem.openFile(at: directory + "/" + LogFileNames.logFile(baseOffset) + fileSuffix,
                                           createIfMissing: true)
        try file.truncate(to: 0)
        let segment = LogSegment(baseOffset: baseOffset, directory: directory, fileSystem: fileSystem,
                                 logFile: file, sizeInBytes: 0, config: config, now: now, fileSuffix: fileSuffix)
        try fileSystem.removeFile(at: segment.offsetIndexPath)
        try fileSystem.removeFile(at: segment.timeIndexPath)
        return segment
    }

    /// Opens an existing segment's log file. The caller then loads it with
    /// `loadTrustingIndexes` or `recover` (LogSegment+Recovery.swift).
    static func open(baseOffset: Int64, directory: String, fileSystem: any LogFileSystem,
                     config: LogConfig, now: Int64) throws -> LogSegment {
        let file = try fileSystem.openFile(at: directory + "/" + LogFileNames.logFile(baseOffset), createIfMissing: false)
        let size = try file.size()
        return LogSegment(baseOffset: baseOffset, directory: directory, fileSystem: fileSystem,
                          logFile: file, sizeInBytes: Int(size), config: config, now: now)
    }

    // MARK: Appending

    /// Whether the next append of `size` bytes, ending at `lastOffset` with max timestamp
    /// `maxTimestamp`, must go to a new segment (Kafka's `LogSegment.shouldRoll`): the
    /// segment would pass `segment.bytes`, is older than `segment.ms`, has a full index,
    /// or the offset would not fit the index's int32 relative offset.
    func shouldRoll(incomingSize size: Int, maxTimestamp: Int64, lastOffset: Int64, config: LogConfig, now: Int64) -> Bool {
        guard sizeInBytes > 0 else { return false }
        let waited: Int64
        if let first = firstBatchTimestamp, first >= 0 {
            waited = maxTimestamp - first
        } else {
            waited = now - createdAtMilliseconds
        }
        return sizeInBytes > config.segmentBytes - size
            || waited > config.segmentTime.milliseconds
            || offsetIndex.isFull || timeIndex.isFull
            || lastOffset - baseOffset > Int64(Int32.max)
    }

    /// Writes batches whose offsets are already assigned at the end of the log file and
    /// indexes them. `batches` are the headers of the batches in `bytes`, in order.
    func append(_ bytes: ByteBuffer, batches: [BatchHeader], indexIntervalBytes: Int, now: Int64) throws {
        try logFile.write(bytes, at: Int64(sizeInBytes))
        hasUnflushedData = true
        var position = sizeInBytes
        for header in batches {
            index(header, at: position, indexIntervalBytes: indexIntervalBytes)
            position += header.totalSize
        }
        sizeInBytes = position
        lastModifiedMilliseconds = now
    }

    /// Takes one batch into the in-memory state and indexes (shared by append and recovery).
    /// As in Kafka, an index entry is added when more than `index.interval.bytes` were
    /// appended since the last one, keyed by the batch's last offset.
    func index(_ header: BatchHeader, at position: Int, indexIntervalBytes: Int) {
        if header.maxTimestamp > maxTimestampSoFar {
            maxTimestampSoFar = header.maxTimestamp
            offsetOfMaxTimestampSoFar = header.baseOffset
        }
        if firstBatchTimestamp == nil { firstBatchTimestamp = header.maxTimestamp }
        if bytesSinceLastIndexEntry > indexIntervalBytes {
            offsetIndex.append(offset: header.lastOffset, position: position)
            timeIndex.maybeAppend(timestamp: maxTimestampSoFar, offset: offsetOfMaxTimestampSoFar)
            bytesSinceLastIndexEntry = 0
        }
        bytesSinceLastIndexEntry += header.totalSize
        nextOffset = header.nextOffset
    }

    /// Called when the segment stops being the active one (roll) or is closed: records
    /// the segment's largest timestamp as the last time index entry, so a later open can
    /// learn it without scanning the log.
    func markInactive() {
        timeIndex.maybeAppend(timestamp: maxTimestampSoFar, offset: offsetOfMaxTimestampSoFar, force: true)
    }

    /// The segment's largest timestamp for `retention.ms`: its largest batch timestamp, or
    /// when it has none, the last time it was written.
    var largestTimestamp: Int64 {
        maxTimestampSoFar >= 0 ? maxTimestampSoFar : lastModifiedMilliseconds
    }

    // MARK: Durability

    /// fsyncs the log file when it has unflushed data, then writes and fsyncs any index
    /// entries not yet in the index files. The log goes first: an index entry must never
    /// be durable while the batch it points to is not.
    func flush() throws {
        if hasUnflushedData {
            try logFile.synchronize()
            hasUnflushedData = false
        }
        try persistIndexes(rewrite: false)
    }

    /// Writes the in-memory indexes to their files: only the new entries, or (`rewrite`)
    /// the whole files, which is how recovery replaces untrusted ones.
    func persistIndexes(rewrite: Bool) throws {
        let rewrite = rewrite || !indexFilesExist
        let offsetStart = rewrite ? 0 : persistedOffsetIndexEntries
        if rewrite || offsetStart < offsetIndex.entries.count {
            try writeIndex(offsetIndex.encoded(from: offsetStart), to: offsetIndexPath,
                           at: offsetStart * OffsetIndex.entrySize, totalSize: offsetIndex.entries.count * OffsetIndex.entrySize)
            persistedOffsetIndexEntries = offsetIndex.entries.count
        }
        let timeStart = rewrite ? 0 : persistedTimeIndexEntries
        if rewrite || timeStart < timeIndex.entries.count {
            try writeIndex(timeIndex.encoded(from: timeStart), to: timeIndexPath,
                           at: timeStart * TimeIndex.entrySize, totalSize: timeIndex.entries.count * TimeIndex.entrySize)
            persistedTimeIndexEntries = timeIndex.entries.count
        }
        indexFilesExist = true
    }

    private func writeIndex(_ bytes: ByteBuffer, to path: String, at position: Int, totalSize: Int) throws {
        let file = try fileSystem.openFile(at: path, createIfMissing: true)
        do {
            if bytes.readableBytes > 0 { try file.write(bytes, at: Int64(position)) }
            try file.truncate(to: Int64(totalSize))
            try file.synchronize()
            try file.close()
        } catch {
            try? file.close()
            throw error
        }
    }

    /// Flushes and closes the segment.
    func close() throws {
        try flush()
        try logFile.close()
    }

    /// Closes the segment and removes its files. The log file goes first: a crash in
    /// between leaves orphan index files, which the next open removes.
    func delete() throws {
        try? logFile.close()
        try fileSystem.removeFile(at: logPath)
        try fileSystem.removeFile(at: offsetIndexPath)
        try fileSystem.removeFile(at: timeIndexPath)
    }

    /// Cuts the log file back to `size` bytes after a failed append, best effort.
    func discardTail(from size: Int) {
        try? logFile.truncate(to: Int64(size))
    }
}
