import NIOCore

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
