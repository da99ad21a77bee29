/// The outcome of ``PartitionLog/append(_:partitionLeaderEpoch:)``.
public struct LogAppendInfo: Hashable, Sendable {
    /// The offset assigned to the first appended batch: the Produce response's base offset.
    public var firstOffset: Int64
    /// The last offset taken by the appended batches.
    public var lastOffset: Int64
    /// The log start offset after the append, for the Produce response.
    public var logStartOffset: Int64
}
