import NIOCore

/// Key -> offset of its latest record in the dirty section of a log (Kafka's
/// `OffsetMap`).
///
/// Kafka's `SkimpyOffsetMap` stores MD5 digests in a fixed buffer
/// (`log.cleaner.dedupe.buffer.size`) and, when it fills up, cleans only the part of the
/// dirty section it mapped. Logs of an embedded broker are small, so this map keeps the
/// keys themselves (no digest collisions) and always maps the whole dirty section.
struct OffsetMap {
    private var offsets: [ByteBuffer: Int64] = [:]
    /// The last offset of the last batch mapped, -1 before any: records past it were not
    /// seen while mapping and are always kept.
    private(set) var latestOffset: Int64 = -1

    var count: Int { offsets.count }

    mutating func put(key: ByteBuffer, offset: Int64) {
        offsets[key] = offset
    }

    /// The latest offset of `key`, or -1 when the dirty section does not hold it.
    func offset(of key: ByteBuffer) -> Int64 {
        offsets[key] ?? -1
    }

    mutating func updateLatestOffset(_ offset: Int64) {
        latestOffset = max(latestOffset, offset)
    }
}
