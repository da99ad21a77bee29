import KafkaClient

/// Compares every mirrored partition of a link on every destination with its source
/// (`causeway verify`), one partition at a time with ``PartitionVerifier/compareMirror(_:upTo:)``.
public struct LinkVerifier: Sendable {
    /// One partition on one destination.
    public struct PartitionResult: Sendable, Codable, Hashable {
        public var destination: String
        public var topic: String
        public var partition: Int32
        /// exact, records, filled, or different.
        public var fidelity: String
        public var comparedRecords: Int64
        public var sourceHighWatermark: Int64
        public var destinationLogEnd: Int64
        /// Source offsets not mirrored yet: not a difference.
        public var lag: Int64
        /// missing + extra + mismatched offsets.
        public var differenceCount: Int64
        /// The first differences, one line each: offset and what differs.
        public var differences: [String]
    }

    public let configuration: LinkConfiguration
    /// The topics to compare; nil for every topic the link selects on the source.
    public let topics: [String]?
    /// Compare no further than this offset in any partition; nil for the destination's log end.
    public let bound: Int64?

    public init(configuration: LinkConfiguration, topics: [String]? = nil, bound: Int64? = nil) {
        self.configuration = configuration
        self.topics = topics
        self.bound = bound
    }

    /// The partitions to compare: the selected topics' partitions on the source.
    public func partitions(on source: KafkaClient) async throws -> [TopicPartitionID] {
        let snapshot = try await source.retrying { try await source.refreshMetadata() }
        let names = topics ?? snapshot.topics.values.filter { !$0.isInternal && configuration.topics.matches($0.name) }.map(\.name)
        var partitions: [TopicPartitionID] = []
        for name in Set(names).sorted() {
            guard let topic = snapshot.topics[name], topic.error == .none else {
                throw KafkaClientError(.broker(.unknownTopicOrPartition), message: "not on the source", topic: name)
            }
            partitions += topic.partitions.map { TopicPartitionID(name, $0.index) }
        }
        return partitions
    }

    /// Compares `partition` on `destination`. A partition the destination lacks is one
    /// difference (the whole mirror is missing), not lag.
    public func verify(
        _ partition: TopicPartitionID, source: KafkaClient, destination: (name: String, client: KafkaClient),
        progress: (@Sendable (TopicPartitionID, Int64) -> Void)? = nil
    ) async throws -> PartitionResult {
        let snapshot = try await destination.client.retrying { try await destination.client.refreshMetadata(topics: [partition.topic]) }
        guard let topic = snapshot.topics[partition.topic], topic.error == .none, topic.partitions.contains(where: { $0.index == partition.partition }) else {
            return PartitionResult(
                destination: destination.name, topic: partition.topic, partition: partition.partition, fidelity: "different",
                comparedRecords: 0, sourceHighWatermark: 0, destinationLogEnd: 0, lag: 0, differenceCount: 1,
                differences: ["partition \(partition) does not exist on \(destination.name)"])
        }
        let verifier = PartitionVerifier(source: source, destination: destination.client, progress: progress)
        let comparison = try await verifier.compareMirror(partition, upTo: bound)
        return PartitionResult(
            destination: destination.name, topic: partition.topic, partition: partition.partition, fidelity: comparison.fidelity,
            comparedRecords: comparison.comparedRecords, sourceHighWatermark: comparison.sourceHighWatermark,
            destinationLogEnd: comparison.destinationHighWatermark, lag: comparison.lag,
            differenceCount: comparison.missing + comparison.extra + comparison.mismatched,
            differences: comparison.differences.map(\.description))
    }
}
