import KafkaProtocol

/// One partition a Fetch handler must read, with the parameters to read it with.
///
/// For a full fetch these come from the request; for an incremental fetch from the
/// session's cache, updated by whatever the request changed (KIP-227).
public struct FetchPartitionPlan: Hashable, Sendable, CustomStringConvertible {
    /// The partition's key in the session.
    public var key: FetchSessionPartitionKey
    /// The topic's id (v13+), else ``KafkaUUID/zero``.
    public var topicId: KafkaUUID
    /// The topic's name; `nil` when a v13+ request named a topic id the broker does not
    /// know. The handler answers such a partition with UNKNOWN_TOPIC_ID (100) without
    /// reading, as Kafka's `KafkaApis.handleFetchRequest` does.
    public var topic: String?
    public var partition: Int32
    /// The offset to read from.
    public var fetchOffset: Int64
    /// The fetcher's own log start offset (meaningful for followers only).
    public var logStartOffset: Int64
    /// The most bytes to return for this partition (KIP-74: the first batch is returned
    /// whole even when it is larger).
    public var maxBytes: Int32
    /// The leader epoch the fetcher believes current, or -1.
    public var currentLeaderEpoch: Int32
    /// The epoch of the last record the fetcher has, or -1 (v12+).
    public var lastFetchedEpoch: Int32

    public init(
        key: FetchSessionPartitionKey, topicId: KafkaUUID, topic: String?, partition: Int32,
        fetchOffset: Int64, logStartOffset: Int64, maxBytes: Int32,
        currentLeaderEpoch: Int32, lastFetchedEpoch: Int32
    ) {
        self.key = key
        self.topicId = topicId
        self.topic = topic
        self.partition = partition
        self.fetchOffset = fetchOffset
        self.logStartOffset = logStartOffset
        self.maxBytes = maxBytes
        self.currentLeaderEpoch = currentLeaderEpoch
        self.lastFetchedEpoch = lastFetchedEpoch
    }

    /// The partition to read, or `nil` when its topic id is unknown.
    public var topicPartition: TopicPartition? {
        topic.map { TopicPartition(topic: $0, partition: partition) }
    }

    /// The partition-level error to answer without reading: UNKNOWN_TOPIC_ID for an
    /// unresolved topic id, else `nil`.
    public var unresolvedError: KafkaErrorCode? { topic == nil ? .unknownTopicId : nil }

    public var description: String {
        "\(topic ?? topicId.description)-\(partition)@\(fetchOffset)"
    }
}
