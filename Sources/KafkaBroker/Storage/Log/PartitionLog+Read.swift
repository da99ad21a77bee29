import NIOCore

extension PartitionLog {
    /// Reads whole batches from the one holding `offset` (Kafka's `UnifiedLog.read`).
    ///
    /// - Returns at most `maxBytes` of batches, but at least the first batch, however
    ///   large, when `minOneBatch` (Kafka sets it for the first partition of a Fetch so a
    ///   consumer always makes progress). Batches come from one segment per call, as in
    ///   Kafka; the next read continues in the next segment.
    /// - Batches starting at or above `upperBound` (default: the high watermark; the
    ///   broker passes the last stable offset for read_committed) are not returned.
    /// - `offset` equal to the log end offset, or between the bound and the log end,
    ///   gives an empty result.
    /// - Throws `offsetOutOfRange` when `offset` is below the log start offset or above
    ///   the log end offset (the broker answers OFFSET_OUT_OF_RANGE).
    public func read(from offset: Int64, maxBytes: Int, minOneBatch: Bool, upperBound: Int64? = nil) throws -> LogReadResult {
        try ensureReadable()
        let logEnd = logEndOffset
        guard offset >= logStartOffset, offset <= logEnd else {
            throw StorageError(.offsetOutOfRange(requested: offset, logStartOffset: logStartOffset, logEndOffset: logEnd),
                               topicPartition: topicPartition)
        }
        var result = LogReadResult(records: ByteBuffer(), firstBatchOffset: nil, highWatermark: highWatermark,
                                   logStartOffset: logStartOffset, logEndOffset: logEnd)
        let bound = min(upperBound ?? highWatermark, logEnd)
        guard offset < bound else { return result }
        do {
            for segment in segments[segmentIndex(containing: offset)...] {
                if let (records, firstOffset) = try segment.read(from: offset, maxBytes: maxBytes,
                                                                 maxOffset: bound, minOneBatch: minOneBatch) {
                    result.records = records
                    result.firstBatchOffset = firstOffset
                    return result
                }
            }
        } catch let error as StorageError {
            throw error.inPartition(topicPartition)
        }
        return result
    }

    /// Where the batch holding `offset` lies on disk; for the log end offset, the end of
    /// the active segment. Throws `offsetOutOfRange` outside `[logStartOffset, logEndOffset]`.
    public func position(of offset: Int64) throws -> LogPosition {
        try ensureReadable()
        guard offset >= logStartOffset, offset <= logEndOffset else {
            throw StorageError(.offsetOutOfRange(requested: offset, logStartOffset: logStartOffset, logEndOffset: logEndOffset),
                               topicPartition: topicPartition)
        }
        for segment in segments[segmentIndex(containing: offset)...] {
            if let (position, _) = try segment.locate(offset) {
                return LogPosition(offset: offset, segmentBaseOffset: segment.baseOffset, positionInSegment: position)
            }
        }
        return LogPosition(offset: offset, segmentBaseOffset: activeSegment.baseOffset,
                           positionInSegment: activeSegment.sizeInBytes)
    }

    /// Index of the last segment whose base offset is at or below `offset` (0 if none).
    func segmentIndex(containing offset: Int64) -> Int {
        var low = 0
        var high = segments.count - 1
        var found = 0
        while low <= high {
            let middle = (low + high) / 2
            if segments[middle].baseOffset <= offset {
                found = middle
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        return found
    }
}
