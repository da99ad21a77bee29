import NIOCore

/// The sparse time index of one segment: max timestamp so far -> offset.
///
/// As in Kafka, an entry is added next to each offset index entry when the segment's
/// largest timestamp has grown since the last entry, and once more when the segment
/// stops being active, so the last entry holds the segment's largest timestamp. An entry
/// (t, o) means: the batch at offset o is the first to reach timestamp t, so every batch
/// before it has a smaller max timestamp. Persisted as 12-byte records (int64 timestamp,
/// int32 relative offset, big-endian).
///
/// A pure value: the owning ``LogSegment`` does the file I/O.
struct TimeIndex: Hashable, Sendable {
    struct Entry: Hashable, Sendable {
        var timestamp: Int64
        var relativeOffset: Int32
    }

    static let entrySize = 12

    let baseOffset: Int64
    let maxEntries: Int
    private(set) var entries: [Entry] = []

    init(baseOffset: Int64, maxEntries: Int) {
        self.baseOffset = baseOffset
        self.maxEntries = maxEntries
    }

    var isFull: Bool { entries.count >= maxEntries }

    /// The last entry as (timestamp, absolute offset).
    var last: (timestamp: Int64, offset: Int64)? {
        entries.last.map { ($0.timestamp, baseOffset + Int64($0.relativeOffset)) }
    }

    /// Adds an entry when `timestamp` is larger than the last one's. `force` allows the
    /// final entry written when the segment becomes inactive even if the index is full.
    mutating func maybeAppend(timestamp: Int64, offset: Int64, force: Bool = false) {
        let relative = offset - baseOffset
        guard force || !isFull, timestamp >= 0, relative >= 0, relative <= Int64(Int32.max) else { return }
        if let last = entries.last, last.timestamp >= timestamp || Int64(last.relativeOffset) > relative { return }
        entries.append(Entry(timestamp: timestamp, relativeOffset: Int32(relative)))
    }

    /// The entry with the greatest timestamp at or below `timestamp`, or (-1, baseOffset):
    /// where a forward scan for the first batch reaching `timestamp` starts.
    func lookup(_ timestamp: Int64) -> (timestamp: Int64, offset: Int64) {
        var low = 0
        var high = entries.count - 1
        var found: Entry?
        while low <= high {
            let middle = (low + high) / 2
            if entries[middle].timestamp <= timestamp {
                found = entries[middle]
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        guard let found else { return (BatchHeader.noTimestamp, baseOffset) }
        return (found.timestamp, baseOffset + Int64(found.relativeOffset))
    }

    mutating func removeAll() { entries.removeAll(keepingCapacity: true) }

    /// The file bytes of the entries from `start` on.
    func encoded(from start: Int = 0) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: max(0, entries.count - start) * Self.entrySize)
        for entry in entries[min(start, entries.count)...] {
            buffer.writeInteger(entry.timestamp, endianness: .big)
            buffer.writeInteger(entry.relativeOffset, endianness: .big)
        }
        return buffer
    }

    /// Parses a time index file; nil unless it is a whole number of entries with growing
    /// timestamps and non-decreasing offsets below `nextOffset`.
    static func decode(_ buffer: ByteBuffer, baseOffset: Int64, maxEntries: Int, nextOffset: Int64) -> TimeIndex? {
        // One more than maxEntries is allowed: the final entry written at roll.
        guard buffer.readableBytes % entrySize == 0, buffer.readableBytes / entrySize <= maxEntries + 1 else { return nil }
        var index = TimeIndex(baseOffset: baseOffset, maxEntries: maxEntries)
        var bytes = buffer
        while bytes.readableBytes > 0 {
            let timestamp = bytes.readInteger(endianness: .big, as: Int64.self)!
            let relative = bytes.readInteger(endianness: .big, as: Int32.self)!
            guard timestamp >= 0, relative >= 0, baseOffset + Int64(relative) < max(nextOffset, baseOffset + 1) else { return nil }
            if let last = index.entries.last, last.timestamp >= timestamp || last.relativeOffset > relative { return nil }
            index.entries.append(Entry(timestamp: timestamp, relativeOffset: relative))
        }
        return index
    }
}
