import KafkaProtocol

/// What a fetch session remembers about one partition (Kafka's `CachedPartition`): the
/// request parameters, so an incremental request need not repeat them, and the high
/// watermark and log start offset last sent, so an incremental response can leave the
/// partition out when neither moved (KIP-227).
public struct CachedFetchPartition: Hashable, Sendable {
    /// The topic name; `nil` while a v13+ topic id is unknown to the broker. Resolved again
    /// on every request, because the topic may have been created since.
    public var topic: String?
    /// The topic id (v13+ sessions), else ``KafkaUUID/zero``.
    public let topicId: KafkaUUID
    public let partition: Int32

    // Request side, replaced by every request that names the partition.
    public var fetchOffset: Int64
    public var fetcherLogStartOffset: Int64
    public var maxBytes: Int32
    public var currentLeaderEpoch: Int32
    public var lastFetchedEpoch: Int32

    // Response side, as last sent; -1 until the partition has been answered once.
    public var highWatermark: Int64
    public var localLogStartOffset: Int64

    /// A partition added from a request, not yet answered: its high watermark and log
    /// start offset are -1, so the first response always includes it.
    init(topic: String?, topicId: KafkaUUID, request: FetchRequest.FetchPartition) {
        self.topic = topic
        self.topicId = topicId
        self.partition = request.partition
        self.fetchOffset = request.fetchOffset
        self.fetcherLogStartOffset = request.logStartOffset
        self.maxBytes = request.partitionMaxBytes
        self.currentLeaderEpoch = request.currentLeaderEpoch
        self.lastFetchedEpoch = request.lastFetchedEpoch
        self.highWatermark = -1
        self.localLogStartOffset = -1
    }

    /// A partition of a new session, from the full request that created it and the
    /// response sent to it (Kafka's `CachedPartition(part, reqData, respData)`).
    init(plan: FetchPartitionPlan, response: FetchResponse.PartitionData) {
        self.topic = plan.topic
        self.topicId = plan.topicId
        self.partition = plan.partition
        self.fetchOffset = plan.fetchOffset
        self.fetcherLogStartOffset = plan.logStartOffset
        self.maxBytes = plan.maxBytes
        self.currentLeaderEpoch = plan.currentLeaderEpoch
        self.lastFetchedEpoch = plan.lastFetchedEpoch
        self.highWatermark = response.highWatermark
        self.localLogStartOffset = response.logStartOffset
    }

    /// Takes the parameters of a request that names this partition again.
    mutating func update(from request: FetchRequest.FetchPartition) {
        fetchOffset = request.fetchOffset
        fetcherLogStartOffset = request.logStartOffset
        maxBytes = request.partitionMaxBytes
        currentLeaderEpoch = request.currentLeaderEpoch
        lastFetchedEpoch = request.lastFetchedEpoch
    }

    /// The plan to read this partition with.
    func plan(key: FetchSessionPartitionKey) -> FetchPartitionPlan {
        FetchPartitionPlan(
            key: key, topicId: topicId, topic: topic, partition: partition,
            fetchOffset: fetchOffset, logStartOffset: fetcherLogStartOffset, maxBytes: maxBytes,
            currentLeaderEpoch: currentLeaderEpoch, lastFetchedEpoch: lastFetchedEpoch)
    }

    /// Whether an incremental response must carry `response` for this partition, and
    /// remembers what it carries (Kafka's `CachedPartition.maybeUpdateResponseData`).
    ///
    /// A partition is sent when it has records, when its high watermark or log start
    /// offset differ from what the fetcher last saw, when it names a preferred read
    /// replica or a diverging epoch, or when it has an error. An error also resets the
    /// cached high watermark to -1, so the partition is sent again once the error clears
    /// even if the high watermark did not move meanwhile.
    ///
    /// A changed fetch offset alone does not make a partition respond: Kafka does not do
    /// so either, and the fetcher keeps its position when a partition is left out.
    mutating func mustRespond(with response: FetchResponse.PartitionData) -> Bool {
        var mustRespond = false
        if let records = response.records, records.readableBytes > 0 {
            mustRespond = true
        }
        if highWatermark != response.highWatermark {
            mustRespond = true
            highWatermark = response.highWatermark
        }
        if localLogStartOffset != response.logStartOffset {
            mustRespond = true
            localLogStartOffset = response.logStartOffset
        }
        if response.preferredReadReplica != -1 {
            mustRespond = true
        }
        if response.errorCode != KafkaErrorCode.none.rawValue {
            highWatermark = -1
            mustRespond = true
        }
        if response.divergingEpoch.epoch >= 0 {
            mustRespond = true
        }
        return mustRespond
    }
}
