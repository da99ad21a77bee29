import Foundation
import KafkaProtocol
import Synchronization

/// The topics of an embedded cluster, their partitions, leaders and configs.
///
/// Shared by every node of the cluster (they run in one process over one data
/// directory), and persisted to `cluster-metadata.json` in that directory after each
/// change, written to a temporary file, fsynced and renamed so a crash leaves either
/// the old or the new version. The partition logs themselves live in `LogManager`.
public final class ClusterMetadata: Sendable {
    public struct PartitionInfo: Codable, Hashable, Sendable {
        public var leader: Int32
        public var leaderEpoch: Int32
        /// Node ids holding the partition; the first is the preferred leader. Every node
        /// reads the same files, so all replicas are in sync by construction.
        public var replicas: [Int32]
    }

    public struct Topic: Codable, Hashable, Sendable {
        public var name: String
        public var idHigh: UInt64
        public var idLow: UInt64
        public var partitions: [PartitionInfo]
        public var configOverrides: [String: String]

        public var id: KafkaUUID { KafkaUUID(high: idHigh, low: idLow) }
        public var config: TopicConfig { TopicConfig(overrides: configOverrides) }
        public var replicationFactor: Int16 { Int16(partitions.first?.replicas.count ?? 1) }
    }

    struct State: Codable {
        var clusterID: String
        var topics: [String: Topic] = [:]
        /// Producer ids are never handed out twice, across restarts (InitProducerId).
        var nextProducerID: Int64 = 1000
    }

    public let nodeIDs: [Int32]
    private let path: String?
    private let state: Mutex<State>

    /// Loads the metadata from `dataDirectory` (or starts empty); `nil` keeps it in memory.
    public init(dataDirectory: String?, nodeIDs: [Int32]) throws {
        self.nodeIDs = nodeIDs
        self.path = dataDirectory.map { ($0 as NSString).appendingPathComponent("cluster-metadata.json") }
        if let path, FileManager.default.fileExists(atPath: path) {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            do {
                var loaded = try JSONDecoder().decode(State.self, from: data)
                // A cluster restarted with fewer nodes moves leaders onto the nodes it has.
                for (name, var topic) in loaded.topics {
                    for index in topic.partitions.indices where !nodeIDs.contains(topic.partitions[index].leader) {
                        topic.partitions[index].leader = nodeIDs[index % nodeIDs.count]
                        topic.partitions[index].leaderEpoch += 1
                        topic.partitions[index].replicas = [topic.partitions[index].leader]
                    }
                    loaded.topics[name] = topic
                }
                state = Mutex(loaded)
            } catch {
                throw BrokerError.corruptMetadata(path: path, reason: "\(error)")
            }
        } else {
            state = Mutex(State(clusterID: Self.makeClusterID()))
        }
    }

    public var clusterID: String { state.withLock { $0.clusterID } }

    public var topicNames: [String] { state.withLock { $0.topics.keys.sorted() } }

    public func topic(_ name: String) -> Topic? { state.withLock { $0.topics[name] } }

    public func topic(id: KafkaUUID) -> Topic? {
        state.withLock { $0.topics.values.first { $0.id == id } }
    }

    public func allTopics() -> [Topic] { state.withLock { $0.topics.values.sorted { $0.name < $1.name } } }

    public func partition(_ topicPartition: TopicPartition) -> PartitionInfo? {
        state.withLock { state in
            guard let topic = state.topics[topicPartition.topic], topicPartition.partition >= 0,
                Int(topicPartition.partition) < topic.partitions.count
            else { return nil }
            return topic.partitions[Int(topicPartition.partition)]
        }
    }

    /// Adds a topic with partitions spread over the nodes round-robin, like Kafka's
    /// default assignment. Fails if it exists.
    public func createTopic(
        name: String, partitionCount: Int, replicationFactor: Int, configOverrides: [String: String],
        assignments: [[Int32]]? = nil
    ) throws -> Topic {
        try update { state in
            guard state.topics[name] == nil else { throw BrokerError.topicExists(name) }
            let start = Int.random(in: 0..<nodeIDs.count)
            let partitions = (0..<partitionCount).map { index -> PartitionInfo in
                let replicas = assignments?[index] ?? self.replicas(forPartition: index, start: start, count: replicationFactor)
                return PartitionInfo(leader: replicas[0], leaderEpoch: 0, replicas: replicas)
            }
            let id = UUID().uuid
            let bytes = withUnsafeBytes(of: id) { Array($0) }
            let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let topic = Topic(name: name, idHigh: high, idLow: low, partitions: partitions, configOverrides: configOverrides)
            state.topics[name] = topic
            return topic
        }
    }

    private func replicas(forPartition index: Int, start: Int, count: Int) -> [Int32] {
        (0..<max(1, count)).map { nodeIDs[(start + index + $0) % nodeIDs.count] }
    }

    public func deleteTopic(_ name: String) throws {
        try update { state in
            guard state.topics.removeValue(forKey: name) != nil else { throw BrokerError.unknownTopic(name) }
        }
    }

    /// Grows a topic to `count` partitions; returns the new partitions' infos.
    public func addPartitions(topic name: String, count: Int, assignments: [[Int32]]?) throws -> [PartitionInfo] {
        try update { state in
            guard var topic = state.topics[name] else { throw BrokerError.unknownTopic(name) }
            let existing = topic.partitions.count
            let replicationFactor = Int(topic.replicationFactor)
            let added = (existing..<count).enumerated().map { offset, index -> PartitionInfo in
                let replicas = assignments?[offset] ?? self.replicas(forPartition: index, start: 0, count: replicationFactor)
                return PartitionInfo(leader: replicas[0], leaderEpoch: 0, replicas: replicas)
            }
            topic.partitions += added
            state.topics[name] = topic
            return added
        }
    }

    public func setConfigOverrides(topic name: String, _ overrides: [String: String]) throws {
        try update { state in
            guard state.topics[name] != nil else { throw BrokerError.unknownTopic(name) }
            state.topics[name]!.configOverrides = overrides
        }
    }

    /// Moves a partition's leadership to `node` and bumps its leader epoch (a test hook:
    /// clients see NOT_LEADER_OR_FOLLOWER from the old leader and must refresh metadata).
    @discardableResult
    public func moveLeader(_ topicPartition: TopicPartition, to node: Int32) throws -> PartitionInfo {
        guard nodeIDs.contains(node) else { throw BrokerError.unknownNode(node) }
        return try update { state in
            guard var topic = state.topics[topicPartition.topic], topicPartition.partition >= 0,
                Int(topicPartition.partition) < topic.partitions.count
            else { throw BrokerError.unknownTopic(topicPartition.description) }
            var info = topic.partitions[Int(topicPartition.partition)]
            info.leader = node
            info.leaderEpoch += 1
            if !info.replicas.contains(node) { info.replicas.insert(node, at: 0) }
            topic.partitions[Int(topicPartition.partition)] = info
            state.topics[topicPartition.topic] = topic
            return info
        }
    }

    /// Hands out `count` consecutive producer ids that were never handed out before.
    public func allocateProducerIDs(count: Int64 = 1) throws -> Int64 {
        try update { state in
            let first = state.nextProducerID
            state.nextProducerID += count
            return first
        }
    }

    private func update<Result>(_ change: (inout State) throws -> Result) throws -> Result {
        try state.withLock { state in
            var copy = state
            let result = try change(&copy)
            try persist(copy)
            state = copy
            return result
        }
    }

    private func persist(_ state: State) throws {
        guard let path else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(state)
        try DurableFile.replace(path: path, with: data)
    }

    /// Kafka cluster ids are 16 random bytes in URL-safe base64 (22 characters).
    private static func makeClusterID() -> String {
        let uuid = UUID().uuid
        let bytes = withUnsafeBytes(of: uuid) { Array($0) }
        let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return KafkaUUID(high: high, low: low).description
    }
}
