import NIOCore

extension LogSegment {
    /// What a recovery scan found.
    struct RecoveryOutcome {
        /// Bytes cut from the end of the log file (a torn or corrupt tail).
        var truncatedBytes: Int
        /// Bytes of valid batches scanned.
        var scannedBytes: Int
        /// Why the scan stopped before the end of the file, when it did.
        var reason: String?
    }

    /// Loads a segment whose data is known to be durable (clean shutdown, or wholly below
    /// the recovery point) without reading it: indexes from their files, the next offset
    /// by scanning headers from the last indexed batch to the end (what Kafka does too).
    /// Returns false, changing nothing, when an index is missing or does not fit the log;
    /// the caller then runs ``recover(config:)``.
    func loadTrustingIndexes(config: LogConfig) throws -> Bool {
        guard let offsetBytes = try readIndexFile(offsetIndexPath),
              let timeBytes = try readIndexFile(timeIndexPath),
              let offsets = OffsetIndex.decode(offsetBytes, baseOffset: baseOffset,
                                               maxEntries: config.maxOffsetIndexEntries, logSize: max(sizeInBytes, 1))
        else { return false }

        var scanner = SegmentBatchScanner(file: logFile, from: offsets.lastPosition, end: sizeInBytes)
        var next = baseOffset
        var tailMax: (timestamp: Int64, offset: Int64) = (BatchHeader.noTimestamp, baseOffset)
        var isFirst = true
        scan: while true {
            switch try scanner.next(verifyingChecksum: false) {
            case .batch(let header, _, _):
                // The first batch scanned is the last indexed one: its last offset must be
                // the indexed offset, or the index belongs to other data.
                if isFirst, let last = offsets.entries.last, header.lastOffset != baseOffset + Int64(last.relativeOffset) {
                    return false
                }
                guard header.baseOffset >= next else { return false }
                isFirst = false
                next = header.nextOffset
                if header.maxTimestamp > tailMax.timestamp { tailMax = (header.maxTimestamp, header.baseOffset) }
            case .end:
                break scan
            case .invalid:
                return false
            }
        }
        guard let times = TimeIndex.decode(timeBytes, baseOffset: baseOffset,
                                           maxEntries: config.maxTimeIndexEntries, nextOffset: next)
        else { return false }

        offsetIndex = offsets
        timeIndex = times
        nextOffset = next
        // The final time index entry written at roll or close holds the segment's largest
        // timestamp; batches after the last index entry may still exceed it.
        if let last = times.last, last.timestamp >= tailMax.timestamp {
            (maxTimestampSoFar, offsetOfMaxTimestampSoFar) = last
        } else {
            (maxTimestampSoFar, offsetOfMaxTimestampSoFar) = tailMax
        }
        firstBatchTimestamp = try firstBatchHeader()?.maxTimestamp
        bytesSinceLastIndexEntry = sizeInBytes - offsets.lastPosition
        persistedOffsetIndexEntries = offsets.entries.count
        persistedTimeIndexEntries = times.entries.count
        indexFilesExist = true
        return true
    }

    /// Rebuilds the segment from its log file (Kafka's `LogSegment.recover`): scans every
    /// batch, checking size, magic, CRC-32C and that offsets grow; truncates the file at
    /// the first batch that fails (a torn write or garbage after the last batch); rebuilds
    /// both indexes; and fsyncs the result, so everything kept is durable afterwards.
    func recover(config: LogConfig) throws -> RecoveryOutcome {
        offsetIndex.removeAll()
        timeIndex.removeAll()
        maxTimestampSoFar = BatchHeader.noTimestamp
        offsetOfMaxTimestampSoFar = baseOffset
        firstBatchTimestamp = nil
        bytesSinceLastIndexEntry = 0
        nextOffset = baseOffset

        let fileSize = Int(try logFile.size())
        var scanner = SegmentBatchScanner(file: logFile, from: 0, end: fileSize)
        var validEnd = 0
        var reason: String?
        scan: while true {
            switch try scanner.next(verifyingChecksum: true) {
            case .batch(let header, let position, _):
                if header.baseOffset < nextOffset {
                    reason = "batch offset \(header.baseOffset) at position \(position) is below \(nextOffset)"
                    break scan
                }
                if header.lastOffset - baseOffset > Int64(Int32.max) {
                    reason = "batch offset \(header.lastOffset) does not fit this segment's index"
                    break scan
                }
                index(header, at: position, indexIntervalBytes: config.indexIntervalBytes)
                validEnd = position + header.totalSize
            case .end:
                break scan
            case .invalid(let position, let why):
                reason = "\(why) at position \(position)"
                break scan
            }
        }
        if validEnd < fileSize {
            try logFile.truncate(to: Int64(validEnd))
        }
        sizeInBytes = validEnd
        try logFile.synchronize()
        hasUnflushedData = false
        try persistIndexes(rewrite: true)
        return RecoveryOutcome(truncatedBytes: fileSize - validEnd, scannedBytes: validEnd, reason: reason)
    }

    /// The header of the segment's first batch, if any.
    func firstBatchHeader() throws -> BatchHeader? {
        var scanner = SegmentBatchScanner(file: logFile, from: 0, end: sizeInBytes, chunkSize: BatchHeader.size)
        if case .batch(let header, _, _) = try scanner.next(verifyingChecksum: false) { return header }
        return nil
    }

    /// The whole content of an index file, or nil when it does not exist.
    private func readIndexFile(_ path: String) throws -> ByteBuffer? {
        guard fileSystem.fileExists(at: path) else { return nil }
        let file = try fileSystem.openFile(at: path, createIfMissing: false)
        defer { try? file.close() }
        let size = try file.size()
        return try file.read(at: 0, count: Int(size))
    }
}
