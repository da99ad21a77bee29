/// Sent to a ``Partition``'s change handler after each append, so a Fetch waiting for
/// data (a long poll) can wake up.
public struct PartitionChange: Hashable, Sendable {
    public var topicPartition: TopicPartition
    /// The offsets the appended batch took.
    public var firstOffset: Int64
    public var lastOffset: Int64
    public var highWatermark: Int64
    public var logEndOffset: Int64
}
