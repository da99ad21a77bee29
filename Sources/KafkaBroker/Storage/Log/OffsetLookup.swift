import NIOCore

/// What a ListOffsets request asks for (Kafka's special timestamps -2, -1, -3, or a time).
public enum OffsetSpec: Hashable, Sendable {
    /// The log start offset (-2; also EARLIEST_LOCAL -4, since there is no tiered storage).
    case earliest
    /// The high watermark (-1): the end of what a read_uncommitted consumer may read.
    case latest
    /// The batch with the largest timestamp (-3, KIP-734).
    case maxTimestamp
    /// The first batch whose max timestamp is at or above this many ms since the epoch.
    case timestamp(Int64)
}

/// The answer to an ``OffsetSpec``.
///
/// Timestamp answers are at batch granularity: storage does not parse records, so
/// `offset` is the base offset of the batch found (clamped to the log start offset) and
/// `timestamp` the batch's max timestamp. Kafka answers with the exact record; the broker
/// gets there by scanning the records of `batch` for the first one whose timestamp
/// reaches the target (or the one with the max timestamp), using the record parser.
public struct OffsetLookupResult: Hashable, Sendable {
    /// -1 for earliest and latest.
    public var timestamp: Int64
    public var offset: Int64
    /// The bytes of the batch found, for timestamp lookups.
    public var batch: ByteBuffer?
}
