/// A ListOffsets answer for one partition.
public struct PartitionOffset: Hashable, Sendable {
    /// -1 for earliest and latest.
    public var timestamp: Int64
    public var offset: Int64
    /// `LeaderEpoch` (ListOffsets v4+): the epoch of the batch found, or the current
    /// leader epoch for earliest and latest.
    public var leaderEpoch: Int32
}
