import KafkaProtocol

/// What a Metadata response said about the cluster, at one moment.
public struct ClusterSnapshot: Sendable {
    public struct Partition: Hashable, Sendable {
        public var index: Int32
        /// -1 while there is no leader.
        public var leader: Int32
        public var leaderEpoch: Int32
        public var error: KafkaErrorCode
    }

    public struct Topic: Hashable, Sendable {
        public var name: String
        public var id: KafkaUUID
        public var isInternal: Bool
        public var error: KafkaErrorCode
        /// Ordered by partition index.
        public var partitions: [Partition]
    }

    public var clusterID: String?
    public var controllerID: Int32
    public var brokers: [Int32: KafkaClientConfiguration.Endpoint]
    public var topics: [String: Topic]
    /// When the snapshot was taken.
    public var takenAt: ContinuousClock.Instant

    init(_ response: MetadataResponse, takenAt: ContinuousClock.Instant) {
        clusterID = response.clusterId
        controllerID = response.controllerId
        brokers = Dictionary(
            response.brokers.map { ($0.nodeId, KafkaClientConfiguration.Endpoint(host: $0.host, port: Int($0.port))) }
        ) { first, _ in first }
        var topics: [String: Topic] = [:]
        for topic in response.topics {
            guard let name = topic.name else { continue }
            topics[name] = Topic(
                name: name, id: topic.topicId, isInternal: topic.isInternal,
                error: KafkaErrorCode(rawValue: topic.errorCode),
                partitions: topic.partitions.sorted { $0.partitionIndex < $1.partitionIndex }.map {
                    Partition(
                        index: $0.partitionIndex, leader: $0.leaderId, leaderEpoch: $0.leaderEpoch,
                        error: KafkaErrorCode(rawValue: $0.errorCode))
                })
        }
        self.topics = topics
        self.takenAt = takenAt
    }

    /// The partition's leader, if the snapshot knows one.
    public func leader(of partition: TopicPartitionID) -> Int32? {
        guard let topic = topics[partition.topic], partition.partition >= 0,
            Int(partition.partition) < topic.partitions.count
        else { return nil }
        let leader = topic.partitions[Int(partition.partition)].leader
        return leader >= 0 ? leader : nil
    }

    /// The partition's leader epoch, or -1.
    public func leaderEpoch(of partition: TopicPartitionID) -> Int32 {
        guard let topic = topics[partition.topic], partition.partition >= 0,
            Int(partition.partition) < topic.partitions.count
        else { return -1 }
        return topic.partitions[Int(partition.partition)].leaderEpoch
    }
}
