import NIOCore

extension LogSegment {
    /// The first batch whose last offset is at or above `offset` and where it starts, or
    /// nil when the segment has none: the offset index gives a position at or before the
    /// batch, and a header-only scan finds it from there.
    func locate(_ offset: Int64) throws -> (position: Int, header: BatchHeader)? {
        try scan(from: offsetIndex.lookup(offset).position) { $0.lastOffset >= offset }
    }

    /// Whole batches starting with the one that holds `offset`: as many as fit in
    /// `maxBytes`, though at least the first when `minOneBatch` (Kafka's rule, so a
    /// consumer can always make progress past a batch larger than its fetch size), and
    /// none whose base offset is at or above `maxOffset`. Nil when `offset` is past this
    /// segment's last batch.
    func read(from offset: Int64, maxBytes: Int, maxOffset: Int64, minOneBatch: Bool) throws
        -> (records: ByteBuffer, firstBatchOffset: Int64?)?
    {
        guard let (position, first) = try locate(offset) else { return nil }
        guard first.baseOffset < maxOffset else { return (ByteBuffer(), nil) }
        var length = min(max(maxBytes, 0), sizeInBytes - position)
        if minOneBatch { length = max(length, first.totalSize) }
        guard length >= first.totalSize else { return (ByteBuffer(), nil) }

        let bytes = try logFile.read(at: Int64(position), count: length)
        // Keep whole batches only, and none at or past maxOffset.
        var end = bytes.readerIndex
        while let size = BatchHeader.totalSize(in: bytes, at: end), size >= BatchHeader.size,
              end + size <= bytes.writerIndex,
              let base = bytes.getInteger(at: end, endianness: .big, as: Int64.self), base < maxOffset {
            end += size
        }
        return (bytes.getSlice(at: bytes.readerIndex, length: end - bytes.readerIndex)!, first.baseOffset)
    }

    /// The first batch with a max timestamp at or above `timestamp` and a last offset at or
    /// above `startingOffset` (Kafka's `LogSegment.findOffsetByTimestamp`, at batch
    /// granularity): the time index says where such a batch can start at the earliest.
    func findBatch(timestamp: Int64, startingOffset: Int64) throws -> (position: Int, header: BatchHeader)? {
        let indexed = timeIndex.lookup(timestamp)
        let position = offsetIndex.lookup(max(indexed.offset, startingOffset)).position
        return try scan(from: position) { $0.maxTimestamp >= timestamp && $0.lastOffset >= startingOffset }
    }

    /// The bytes of the batch at `position`.
    func batchBytes(at position: Int, header: BatchHeader) throws -> ByteBuffer {
        try logFile.read(at: Int64(position), count: header.totalSize)
    }

    /// The first batch from `position` on that matches.
    private func scan(from position: Int, where matches: (BatchHeader) -> Bool) throws
        -> (position: Int, header: BatchHeader)?
    {
        var scanner = SegmentBatchScanner(file: logFile, from: position, end: sizeInBytes, chunkSize: 16 * 1024)
        while true {
            switch try scanner.next(verifyingChecksum: false) {
            case .batch(let header, let batchPosition, _):
                if matches(header) { return (batchPosition, header) }
            case .end:
                return nil
            case .invalid(let badPosition, let reason):
                throw StorageError(.corruptLog("\(reason) at position \(badPosition)"), path: logPath)
            }
        }
    }
}
