import NIOCore

extension PartitionLog {
    /// Answers a ListOffsets query (Kafka's `UnifiedLog.fetchOffsetByTimestamp` plus the
    /// partition-level rule that nothing at or past the high watermark is returned).
    ///
    /// Returns nil when nothing matches (the broker answers offset -1, timestamp -1):
    /// no batch reaches the timestamp, or the log holds no timestamps. Timestamp answers
    /// are per batch; see ``OffsetLookupResult``.
    public func lookupOffset(_ spec: OffsetSpec) throws -> OffsetLookupResult? {
        try ensureReadable()
        do {
            switch spec {
            case .earliest:
                return OffsetLookupResult(timestamp: BatchHeader.noTimestamp, offset: logStartOffset, batch: nil)
            case .latest:
                return OffsetLookupResult(timestamp: BatchHeader.noTimestamp, offset: highWatermark, batch: nil)
            case .maxTimestamp:
                return try batchWithMaxTimestamp()
            case .timestamp(let timestamp):
                return try firstBatch(reaching: timestamp)
            }
        } catch let error as StorageError {
            throw error.inPartition(topicPartition)
        }
    }

    /// The first readable batch whose max timestamp is at or above `timestamp`: the first
    /// segment whose largest timestamp reaches it holds that batch, and its time index
    /// narrows the scan.
    private func firstBatch(reaching timestamp: Int64) throws -> OffsetLookupResult? {
        for segment in segments where segment.nextOffset > logStartOffset && segment.maxTimestampSoFar >= timestamp {
            guard let (position, header) = try segment.findBatch(timestamp: timestamp, startingOffset: logStartOffset) else {
                continue
            }
            let offset = max(header.baseOffset, logStartOffset)
            guard offset < highWatermark else { return nil }
            return OffsetLookupResult(timestamp: header.maxTimestamp, offset: offset,
                                      batch: try segment.batchBytes(at: position, header: header))
        }
        return nil
    }

    /// The first batch with the log's largest timestamp (KIP-734), from each segment's
    /// in-memory largest timestamp; only the winning segment is read.
    private func batchWithMaxTimestamp() throws -> OffsetLookupResult? {
        var best: LogSegment?
        for segment in segments where segment.nextOffset > logStartOffset {
            if segment.maxTimestampSoFar > (best?.maxTimestampSoFar ?? BatchHeader.noTimestamp) { best = segment }
        }
        guard let best, let (position, header) = try best.locate(best.offsetOfMaxTimestampSoFar) else { return nil }
        let offset = max(header.baseOffset, logStartOffset)
        guard offset < highWatermark else { return nil }
        return OffsetLookupResult(timestamp: best.maxTimestampSoFar, offset: offset,
                                  batch: try best.batchBytes(at: position, header: header))
    }
}
