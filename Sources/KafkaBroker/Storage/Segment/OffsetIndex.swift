import NIOCore

/// The sparse offset index of one segment: offset -> byte position of a batch.
///
/// As in Kafka, an entry is added at most once every `index.interval.bytes` of appended
/// data; its key is the batch's last offset, relative to the segment's base offset, and
/// its value the batch's start position. Entries are kept in memory and persisted as
/// 8-byte records (int32 relative offset, int32 position, big-endian), which is why a
/// segment rolls before either would overflow an int32.
///
/// A pure value: the owning ``LogSegment`` does the file I/O.
struct OffsetIndex: Hashable, Sendable {
    struct Entry: Hashable, Sendable {
        var relativeOffset: Int32
        var position: Int32
    }

    static let entrySize = 8

    let baseOffset: Int64
    /// From `segment.index.bytes`; a full index makes the segment roll.
    let maxEntries: Int
    private(set) var entries: [Entry] = []

    init(baseOffset: Int64, maxEntries: Int) {
        self.baseOffset = baseOffset
        self.maxEntries = maxEntries
    }

    var isFull: Bool { entries.count >= maxEntries }

    /// Position of the last indexed batch, or 0.
    var lastPosition: Int { entries.last.map { Int($0.position) } ?? 0 }

    /// Adds an entry. Offsets and positions must grow; an entry that does not is ignored,
    /// since a sparse index can always miss an entry without giving wrong answers.
    mutating func append(offset: Int64, position: Int) {
        let relative = offset - baseOffset
        guard !isFull, relative >= 0, relative <= Int64(Int32.max), position <= Int(Int32.max) else { return }
        if let last = entries.last, Int64(last.relativeOffset) >= relative || Int(last.position) >= position { return }
        entries.append(Entry(relativeOffset: Int32(relative), position: Int32(position)))
    }

    /// The greatest indexed offset at or below `offset` and its batch's position, or
    /// (baseOffset, 0) when there is none: where a forward scan for `offset` starts.
    func lookup(_ offset: Int64) -> (offset: Int64, position: Int) {
        let target = offset - baseOffset
        var low = 0
        var high = entries.count - 1
        var found: Entry?
        while low <= high {
            let middle = (low + high) / 2
            if Int64(entries[middle].relativeOffset) <= target {
                found = entries[middle]
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        guard let found else { return (baseOffset, 0) }
        return (baseOffset + Int64(found.relativeOffset), Int(found.position))
    }

    /// Drops every entry; used when the index is rebuilt from the log.
    mutating func removeAll() { entries.removeAll(keepingCapacity: true) }

    /// The file bytes of the entries from `start` on.
    func encoded(from start: Int = 0) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: max(0, entries.count - start) * Self.entrySize)
        for entry in entries[min(start, entries.count)...] {
            buffer.writeInteger(entry.relativeOffset, endianness: .big)
            buffer.writeInteger(entry.position, endianness: .big)
        }
        return buffer
    }

    /// Parses an index file; nil when it is not a whole number of strictly increasing
    /// entries whose positions lie inside a log of `logSize` bytes.
    static func decode(_ buffer: ByteBuffer, baseOffset: Int64, maxEntries: Int, logSize: Int) -> OffsetIndex? {
        guard buffer.readableBytes % entrySize == 0, buffer.readableBytes / entrySize <= maxEntries else { return nil }
        var index = OffsetIndex(baseOffset: baseOffset, maxEntries: maxEntries)
        var bytes = buffer
        while bytes.readableBytes > 0 {
            let relative = bytes.readInteger(endianness: .big, as: Int32.self)!
            let position = bytes.readInteger(endianness: .big, as: Int32.self)!
            guard relative >= 0, position >= 0, Int(position) < logSize else { return nil }
            if let last = index.entries.last, last.relativeOffset >= relative || last.position >= position { return nil }
            index.entries.append(Entry(relativeOffset: relative, position: position))
        }
        return index
    }
}
