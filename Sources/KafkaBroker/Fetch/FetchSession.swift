import KafkaProtocol

/// One incremental fetch session (KIP-227; Kafka's `FetchSession`): the partitions a
/// fetcher follows, in the order they are read, and the epoch its next request must carry.
public struct FetchSession: Sendable {
    /// The session id the broker chose, never 0.
    public let id: Int32
    /// Created by a follower (replica id >= 0). Kafka lets privileged sessions displace
    /// consumer sessions when the cache is full.
    public let isPrivileged: Bool
    /// Created by a v13+ request, so its partitions are keyed by topic id (KIP-516).
    public let usesTopicIds: Bool
    public let createdAt: ContinuousClock.Instant
    public internal(set) var lastUsedAt: ContinuousClock.Instant
    /// The epoch the next incremental request must carry.
    public internal(set) var epoch: Int32

    /// Read order. Partitions that returned records move to the end, so that with a
    /// response size limit every partition gets its turn (Kafka's `PartitionIterator`).
    public private(set) var order: [FetchSessionPartitionKey]
    public private(set) var partitions: [FetchSessionPartitionKey: CachedFetchPartition]

    init(
        id: Int32, isPrivileged: Bool, usesTopicIds: Bool, now: ContinuousClock.Instant,
        partitions: [(FetchSessionPartitionKey, CachedFetchPartition)]
    ) {
        self.id = id
        self.isPrivileged = isPrivileged
        self.usesTopicIds = usesTopicIds
        self.createdAt = now
        self.lastUsedAt = now
        self.epoch = FetchSessionMetadata.nextEpoch(after: FetchSessionMetadata.initialEpoch)
        self.order = []
        self.partitions = [:]
        for (key, partition) in partitions where self.partitions.updateValue(partition, forKey: key) == nil {
            order.append(key)
        }
    }

    public var count: Int { order.count }
    public var isEmpty: Bool { order.isEmpty }

    /// Adds the partitions a request names that the session lacks, updates the
    /// parameters of those it has (both in request order, new ones at the end), then
    /// removes the forgotten ones, in that order, as Kafka's `FetchSession.update` does.
    mutating func update(
        with requested: [FetchSessionCache.RequestedPartition],
        forgetting forgotten: [FetchSessionPartitionKey]
    ) {
        for entry in requested {
            if partitions[entry.key] != nil {
                partitions[entry.key]!.update(from: entry.request)
            } else {
                partitions[entry.key] = CachedFetchPartition(topic: entry.topic, topicId: entry.topicId, request: entry.request)
                order.append(entry.key)
            }
        }
        let removed = Set(forgotten.filter { partitions.removeValue(forKey: $0) != nil })
        if !removed.isEmpty {
            order.removeAll { removed.contains($0) }
        }
    }

    /// Looks up the names of topic ids that were unknown, in case they exist now
    /// (Kafka's `CachedPartition.maybeResolveUnknownName`).
    mutating func resolveUnknownTopics(_ topicName: (KafkaUUID) -> String?) {
        guard usesTopicIds else { return }
        for key in order where partitions[key]!.topic == nil {
            partitions[key]!.topic = topicName(partitions[key]!.topicId)
        }
    }

    /// The plan to read every partition, in session order.
    func plans() -> [FetchPartitionPlan] {
        order.map { partitions[$0]!.plan(key: $0) }
    }

    /// Decides which of `responses` an incremental response carries, remembers what it
    /// sends, and moves partitions that returned records to the end of the read order.
    /// Returns the indices of `responses` to send. Partitions no longer in the session
    /// (forgotten by a concurrent request) are left out.
    mutating func filter(_ plans: [FetchPartitionPlan], _ responses: [FetchResponse.PartitionData]) -> [Int] {
        var included: [Int] = []
        var rotated: [FetchSessionPartitionKey] = []
        for (index, plan) in plans.enumerated() where partitions[plan.key] != nil {
            let response = responses[index]
            if partitions[plan.key]!.mustRespond(with: response) {
                included.append(index)
                if let records = response.records, records.readableBytes > 0 {
                    rotated.append(plan.key)
                }
            }
        }
        if !rotated.isEmpty {
            let moving = Set(rotated)
            order.removeAll { moving.contains($0) }
            order.append(contentsOf: rotated)
        }
        return included
    }
}
