import NIOCore

/// The log of one topic-partition: a directory of segments holding record batches at
/// consecutive offsets (Kafka's `UnifiedLog` for a broker without replication or tiered
/// storage).
///
/// Offsets: `logStartOffset` (first readable, persisted) <= `highWatermark` (end of what
/// consumers may read) <= `logEndOffset` (next offset to assign). With a single replica
/// the high watermark follows the log end offset once an append is durable per the flush
/// policy; it is still kept apart so replication or an ISR could hold it back later.
///
/// ## Concurrency
/// A `PartitionLog` is a non-`Sendable` class with synchronous I/O. Its owner serializes
/// every call (the broker keeps its logs inside one actor, or a lock per partition) and
/// runs it where blocking on disk is acceptable. Nothing here spawns tasks or threads:
/// time-based work (retention, `flush.ms`) happens when the owner calls
/// ``applyRetention()`` or ``flushIfDue()``.
///
/// ## Failure
/// When a write or fsync fails, what is on disk is unknown (a failed fsync may have
/// dropped dirty pages), so the log stops accepting writes and reports
/// ``StorageError/Kind/logFailed(reason:)`` until it is closed and reopened, which runs
/// recovery. Reads still work. Other partitions are unaffected.
public final class PartitionLog {
    enum State {
        case open
        case failed(String)
        case closed
    }

    public let topicPartition: TopicPartition
    /// The partition's directory, `<data-dir>/<topic>-<partition>`.
    public let directory: String
    /// The storage settings in force; change them with ``updateConfig(_:)``.
    public internal(set) var config: LogConfig
    /// What opening the log found.
    public let loadReport: LogLoadReport
    /// The first offset readers may see.
    public internal(set) var logStartOffset: Int64
    /// The end of what consumers may read (exclusive).
    public internal(set) var highWatermark: Int64

    let fileSystem: any LogFileSystem
    let clock: any LogClock
    /// Ordered by base offset; the last one is the active segment. Never empty.
    var segments: [LogSegment]
    /// Everything below this offset is fsynced.
    var recoveryPoint: Int64
    var lastFlushMilliseconds: Int64
    var state = State.open

    init(topicPartition: TopicPartition, directory: String, config: LogConfig, fileSystem: any LogFileSystem,
         clock: any LogClock, loaded: LogLoader.Loaded) {
        self.topicPartition = topicPartition
        self.directory = directory
        self.config = config
        self.fileSystem = fileSystem
        self.clock = clock
        self.segments = loaded.segments
        self.logStartOffset = loaded.logStartOffset
        self.loadReport = loaded.report
        // Loading leaves everything durable: trusted segments were fsynced before their
        // checkpoint or clean close, recovered ones by recovery.
        let logEnd = loaded.segments[loaded.segments.count - 1].nextOffset
        self.recoveryPoint = logEnd
        self.highWatermark = logEnd
        self.lastFlushMilliseconds = clock.nowMilliseconds
    }

    /// Opens (or creates) the log in `directory`, recovering it if it was not closed cleanly.
    public static func open(
        directory: String, topicPartition: TopicPartition, config: LogConfig,
        fileSystem: any LogFileSystem = PosixLogFileSystem(), clock: any LogClock = SystemLogClock()
    ) throws -> PartitionLog {
        do {
            let config = try config.validated()
            // A segment swap of the log cleaner that a crash interrupted is finished or
            // undone first, so the loader only ever sees live segment files.
            let cleanerNotes = try CleanerRecovery(directory: directory, fileSystem: fileSystem).run()
            let loader = LogLoader(directory: directory, config: config, fileSystem: fileSystem,
                                   nowMilliseconds: clock.nowMilliseconds)
            var loaded = try loader.load()
            loaded.report.notes.insert(contentsOf: cleanerNotes, at: 0)
            let log = PartitionLog(topicPartition: topicPartition, directory: directory, config: config,
                                   fileSystem: fileSystem, clock: clock, loaded: loaded)
            try log.writeCheckpoint()
            return log
        } catch let error as StorageError {
            throw error.inPartition(topicPartition)
        }
    }

    var activeSegment: LogSegment { segments[segments.count - 1] }

    /// The next offset to be assigned.
    public var logEndOffset: Int64 { activeSegment.nextOffset }

    /// Bytes of all segments.
    public var sizeInBytes: Int { segments.reduce(0) { $0 + $1.sizeInBytes } }

    /// Base offsets of the segments, oldest first.
    public var segmentBaseOffsets: [Int64] { segments.map(\.baseOffset) }

    // MARK: Appending

    /// Appends validated record batches, assigning their offsets from the log end offset.
    ///
    /// `batches` holds one or more whole RecordBatch v2 batches that the broker has already
    /// validated (CRC, sizes, producer state). The log writes `baseOffset` (bytes 0..7)
    /// and `partitionLeaderEpoch` (bytes 12..15) of each in place; both lie outside the
    /// CRC, so the stored bytes 16..end are the producer's. Each batch takes
    /// `lastOffsetDelta + 1` offsets. Returns once the write is in the file and, if the
    /// flush policy says so, fsynced.
    @discardableResult
    public func append(_ batches: ByteBuffer, partitionLeaderEpoch: Int32) throws -> LogAppendInfo {
        try ensureWritable()
        var headers: [BatchHeader]
        do {
            headers = try Self.parseBatches(batches)
        } catch let error as StorageError {
            throw error.inPartition(topicPartition)
        }
        guard batches.readableBytes <= config.segmentBytes else {
            throw StorageError(.batchTooLarge(size: batches.readableBytes, segmentBytes: config.segmentBytes),
                               topicPartition: topicPartition)
        }
        let now = clock.nowMilliseconds
        let firstOffset = logEndOffset
        var bytes = batches
        var index = bytes.readerIndex
        var nextOffset = firstOffset
        for position in headers.indices {
            BatchHeader.assign(baseOffset: nextOffset, partitionLeaderEpoch: partitionLeaderEpoch, in: &bytes, at: index)
            headers[position].baseOffset = nextOffset
            headers[position].partitionLeaderEpoch = partitionLeaderEpoch
            index += headers[position].totalSize
            nextOffset = headers[position].nextOffset
        }
        let maxTimestamp = headers.map(\.maxTimestamp).max() ?? BatchHeader.noTimestamp

        try failingLogOnError("append") {
            if activeSegment.shouldRoll(incomingSize: bytes.readableBytes, maxTimestamp: maxTimestamp,
                                        lastOffset: nextOffset - 1, config: config, now: now) {
                try roll(now: now)
            }
            let segment = activeSegment
            let sizeBefore = segment.sizeInBytes
            do {
                try segment.append(bytes, batches: headers, indexIntervalBytes: config.indexIntervalBytes, now: now)
            } catch {
                segment.discardTail(from: sizeBefore)
                throw error
            }
            try flushIfDue(now: now)
        }
        // Only now may consumers see the batches: with flush-every-write they are durable.
        highWatermark = logEndOffset
        return LogAppendInfo(firstOffset: firstOffset, lastOffset: nextOffset - 1, logStartOffset: logStartOffset)
    }

    /// The headers of the whole batches in `buffer`; throws `invalidBatch` when it is
    /// empty or is not a sequence of whole, well-formed batches.
    static func parseBatches(_ buffer: ByteBuffer) throws -> [BatchHeader] {
        guard buffer.readableBytes > 0 else { throw StorageError(.invalidBatch("no batches")) }
        var headers: [BatchHeader] = []
        var index = buffer.readerIndex
        while index < buffer.writerIndex {
            let at = index - buffer.readerIndex
            guard let header = BatchHeader(from: buffer, at: index) else {
                throw StorageError(.invalidBatch("\(buffer.writerIndex - index) bytes at \(at) are not a batch header"))
            }
            if let problem = header.structuralProblem {
                throw StorageError(.invalidBatch("batch at \(at): \(problem)"))
            }
            guard index + header.totalSize <= buffer.writerIndex else {
                throw StorageError(.invalidBatch("batch at \(at) of \(header.totalSize) bytes runs past the end"))
            }
            headers.append(header)
            index += header.totalSize
        }
        return headers
    }

    /// Starts a new active segment at the log end offset. The old one is fsynced first
    /// (as Kafka does on roll), which moves the recovery point to the new segment and
    /// lets a crash recovery skip every older segment.
    func roll(now: Int64) throws {
        let old = activeSegment
        old.markInactive()
        try old.flush()
        recoveryPoint = logEndOffset
        lastFlushMilliseconds = now
        let segment = try LogSegment.create(baseOffset: logEndOffset, directory: directory,
                                            fileSystem: fileSystem, config: config, now: now)
        segments.append(segment)
        // The new file's directory entry must be durable before writes to it are acknowledged.
        try fileSystem.synchronizeDirectory(at: directory)
        try writeCheckpoint()
    }

    // MARK: High watermark and configuration

    /// Sets the high watermark, clamped to `[logStartOffset, logEndOffset]`. With a single
    /// replica appends move it themselves; this is for a future replication layer.
    public func updateHighWatermark(_ offset: Int64) {
        highWatermark = min(max(offset, logStartOffset), logEndOffset)
    }

    /// Applies new settings to later appends, rolls and retention passes.
    public func updateConfig(_ config: LogConfig) throws {
        self.config = try config.validated()
    }

    // MARK: Flushing and closing

    /// fsyncs everything written so far.
    public func flush() throws {
        try ensureWritable()
        try failingLogOnError("flush") {
            try activeSegment.flush()
            recoveryPoint = logEndOffset
            lastFlushMilliseconds = clock.nowMilliseconds
        }
    }

    /// Flushes when the flush policy says it is time; the owner calls this periodically
    /// for `flush.ms` (appends check it too).
    public func flushIfDue() throws {
        try ensureWritable()
        try failingLogOnError("flush") { try flushIfDue(now: clock.nowMilliseconds) }
    }

    func flushIfDue(now: Int64) throws {
        guard config.flushPolicy.isDue(unflushedMessages: logEndOffset - recoveryPoint,
                                       millisecondsSinceFlush: now - lastFlushMilliseconds)
        else { return }
        try activeSegment.flush()
        recoveryPoint = logEndOffset
        lastFlushMilliseconds = now
    }

    /// Flushes everything, records the offsets and marks the shutdown clean, so the next
    /// open skips recovery. A failed log is closed without the marker, so it recovers.
    public func close() throws {
        switch state {
        case .closed:
            return
        case .failed:
            for segment in segments { try? segment.logFile.close() }
            state = .closed
            return
        case .open:
            break
        }
        do {
            activeSegment.markInactive()
            for segment in segments { try segment.close() }
            recoveryPoint = logEndOffset
            try writeCheckpoint()
            try fileSystem.writeAtomically([], to: directory + "/" + LogFileNames.cleanShutdownMarker, directory: directory)
            state = .closed
        } catch let error as StorageError {
            state = .closed
            throw error.inPartition(topicPartition)
        }
    }

    /// Closes the log without flushing or marking a clean shutdown, as a crash would
    /// leave it. For tests and for a broker that gives up on a failed disk.
    func closeWithoutFlushing() {
        for segment in segments { try? segment.logFile.close() }
        state = .closed
    }

    // MARK: State

    func writeCheckpoint() throws {
        try PartitionCheckpoint(logStartOffset: logStartOffset, recoveryPoint: recoveryPoint)
            .write(directory: directory, fileSystem: fileSystem)
    }

    func ensureWritable() throws {
        switch state {
        case .open: return
        case .failed(let reason): throw StorageError(.logFailed(reason: reason), topicPartition: topicPartition)
        case .closed: throw StorageError(.logClosed, topicPartition: topicPartition)
        }
    }

    func ensureReadable() throws {
        if case .closed = state { throw StorageError(.logClosed, topicPartition: topicPartition) }
    }

    /// Runs a write-path step; if it throws, the log goes to `failed` (see the type's docs).
    func failingLogOnError<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StorageError {
            state = .failed("\(operation): \(error)")
            throw error.inPartition(topicPartition)
        } catch {
            state = .failed("\(operation): \(error)")
            throw error
        }
    }
}
