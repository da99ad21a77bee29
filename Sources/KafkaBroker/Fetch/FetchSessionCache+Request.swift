import KafkaProtocol

extension FetchSessionCache {
    /// One partition a request names, keyed as its version keys it.
    struct RequestedPartition {
        var key: FetchSessionPartitionKey
        /// `nil` for a topic id the broker does not know.
        var topic: String?
        var topicId: KafkaUUID
        var request: FetchRequest.FetchPartition
    }

    /// The partitions a request names.
    struct RequestedPartitions {
        /// One entry per partition, for ``FetchSession/update(with:forgetting:)``.
        var entries: [RequestedPartition] = []
        /// The same partitions as plans to read.
        var plans: [FetchPartitionPlan] = []
    }

    /// The request's partitions, in order. A partition named twice keeps its first
    /// position and its last parameters, as Kafka's request map does.
    static func requestedPartitions(
        _ request: FetchRequest, version: Int16, topicName: (KafkaUUID) -> String?
    ) -> RequestedPartitions {
        var result = RequestedPartitions()
        var position: [FetchSessionPartitionKey: Int] = [:]
        for topic in request.topics {
            let usesIds = version >= 13
            let name: String? = usesIds ? (topic.topicId == .zero ? nil : topicName(topic.topicId)) : topic.topic
            let topicId: KafkaUUID = usesIds ? topic.topicId : .zero
            for partition in topic.partitions {
                let key: FetchSessionPartitionKey = usesIds
                    ? .id(topicId, partition: partition.partition)
                    : .name(topic.topic, partition: partition.partition)
                let entry = RequestedPartition(key: key, topic: name, topicId: topicId, request: partition)
                let cached = CachedFetchPartition(topic: name, topicId: topicId, request: partition)
                if let index = position[key] {
                    result.entries[index] = entry
                    result.plans[index] = cached.plan(key: key)
                } else {
                    position[key] = result.entries.count
                    result.entries.append(entry)
                    result.plans.append(cached.plan(key: key))
                }
            }
        }
        return result
    }

    /// The partitions an incremental request asks the session to forget (v7+; by topic
    /// id from v13, by name before).
    static func forgottenPartitions(_ request: FetchRequest, version: Int16) -> [FetchSessionPartitionKey] {
        guard version >= 7 else { return [] }
        return request.forgottenTopicsData.flatMap { topic in
            topic.partitions.map { partition -> FetchSessionPartitionKey in
                version >= 13 ? .id(topic.topicId, partition: partition) : .name(topic.topic, partition: partition)
            }
        }
    }

    /// A follower's request (replica id >= 0; from v15 the id sits in `ReplicaState`).
    static func isFromFollower(_ request: FetchRequest, version: Int16) -> Bool {
        (version >= 15 ? request.replicaState.replicaId : request.replicaId) >= 0
    }
}
