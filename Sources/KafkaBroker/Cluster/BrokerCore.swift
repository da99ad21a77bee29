import Foundation
import KafkaProtocol
import Logging
import Synchronization

/// The state every node of an embedded cluster shares: cluster metadata, the partition
/// logs, and where each node listens.
///
/// Nodes run in one process over one data directory, so a partition's data exists
/// once; leadership only decides which node answers for it (clients sent to another
/// node get NOT_LEADER_OR_FOLLOWER, exactly as with a real multi-broker cluster).
public final class BrokerCore: Sendable {
    public let configuration: BrokerConfiguration
    public let metadata: ClusterMetadata
    let logger: Logger
    let storage: Mutex<LogManager>
    private let endpoints = Mutex<[Int32: (host: String, port: Int)]>([:])

    init(configuration: BrokerConfiguration, logger: Logger) throws {
        self.configuration = try configuration.validated()
        self.logger = logger
        self.metadata = try ClusterMetadata(
            dataDirectory: configuration.dataDirectory, nodeIDs: configuration.nodeIDs)
        var defaults = LogConfig()
        defaults.flushPolicy = configuration.flushPolicy
        defaults.segmentBytes = configuration.segmentBytes
        let manager = try LogManager(dataDirectory: configuration.dataDirectory, defaultConfig: defaults)
        for topic in metadata.allTopics() {
            try manager.setTopicConfig(topic.config.logConfig(base: manager.defaultConfig), forTopic: topic.name)
        }
        let outcome = try manager.loadAll()
        for (partition, error) in outcome.failed {
            logger.error("partition \(partition) could not be opened: \(error)")
        }
        for (partition, report) in outcome.loaded where !report.cleanShutdown {
            logger.notice("recovered \(partition): \(report)")
        }
        storage = Mutex(manager)
    }

    // MARK: Nodes

    func setEndpoint(node: Int32, host: String, port: Int) {
        endpoints.withLock { $0[node] = (host, port) }
    }

    public func endpoint(of node: Int32) -> (host: String, port: Int)? {
        endpoints.withLock { $0[node] }
    }

    public var controllerID: Int32 { configuration.nodeIDs[0] }

    // MARK: Topics

    /// Legal topic names, as Kafka's `Topic.validate`: 1-249 characters of
    /// [a-zA-Z0-9._-], not "." or "..".
    static func topicNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "Topic name is illegal, it can't be empty" }
        if name == "." || name == ".." { return "Topic name cannot be \".\" or \"..\"" }
        if name.utf8.count > 249 { return "Topic name is illegal, it can't be longer than 249 characters" }
        let legal = name.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        return legal
            ? nil
            : "Topic name \(name) is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
    }

    /// Creates a topic and its partition logs. The caller has validated the request.
    @discardableResult
    func createTopic(
        name: String, partitions: Int, replicationFactor: Int, configOverrides: [String: String],
        assignments: [[Int32]]? = nil
    ) throws -> ClusterMetadata.Topic {
        let topic = try metadata.createTopic(
            name: name, partitionCount: partitions, replicationFactor: replicationFactor,
            configOverrides: configOverrides, assignments: assignments)
        try storage.withLock { manager in
            try manager.setTopicConfig(topic.config.logConfig(base: manager.defaultConfig), forTopic: name)
            for index in 0..<partitions {
                _ = try manager.createLog(for: TopicPartition(topic: name, partition: Int32(index)))
            }
        }
        logger.info("created topic \(name) with \(partitions) partitions")
        return topic
    }

    func deleteTopic(_ name: String) throws {
        guard let topic = metadata.topic(name) else { throw BrokerError.unknownTopic(name) }
        try metadata.deleteTopic(name)
        try storage.withLock { manager in
            for index in topic.partitions.indices {
                try manager.deleteLog(for: TopicPartition(topic: name, partition: Int32(index)))
            }
            try manager.setTopicConfig(nil, forTopic: name)
        }
        logger.info("deleted topic \(name)")
    }

    func addPartitions(topic name: String, count: Int, assignments: [[Int32]]?) throws {
        let existing = metadata.topic(name)?.partitions.count ?? 0
        _ = try metadata.addPartitions(topic: name, count: count, assignments: assignments)
        try storage.withLock { manager in
            for index in existing..<count {
                _ = try manager.createLog(for: TopicPartition(topic: name, partition: Int32(index)))
            }
        }
        logger.info("topic \(name) grew from \(existing) to \(count) partitions")
    }

    func setTopicConfig(_ name: String, overrides: [String: String]) throws {
        try metadata.setConfigOverrides(topic: name, overrides)
        let config = TopicConfig(overrides: overrides)
        try storage.withLock { manager in
            try manager.setTopicConfig(config.logConfig(base: manager.defaultConfig), forTopic: name)
        }
    }

    /// Closes every log cleanly (flush, clean-shutdown marker) so the next start skips recovery.
    func shutdown() {
        let failures = storage.withLock { $0.closeAll() }
        for (partition, error) in failures {
            logger.error("closing \(partition) failed: \(error)")
        }
    }
}
