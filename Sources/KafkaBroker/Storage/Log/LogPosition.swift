/// Where an offset's batch sits on disk (Kafka's `LogOffsetMetadata`), so a delayed
/// Fetch can tell how many bytes lie between two offsets without reading them.
public struct LogPosition: Hashable, Sendable {
    /// The offset asked for.
    public var offset: Int64
    /// Base offset of the segment holding it.
    public var segmentBaseOffset: Int64
    /// Byte position in that segment of the batch holding the offset (the segment's size
    /// for the log end offset).
    public var positionInSegment: Int
}
