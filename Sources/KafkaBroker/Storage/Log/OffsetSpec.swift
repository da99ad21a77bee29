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
