import Foundation
import KafkaProtocol
import Logging
import Synchronization

/// The state every node of an embedded cluster shares: cluster metadata, the
/// partitions (log, producer state, produce rules), fetch sessions and the waiters of
/// long-polling fetches, and where each node listens.
///
/// Nodes run in one process over one data directory, so a partition's data exists
/// once; leadership only decides which node answers for it (clients sent to another
/// node get NOT_LEADER_OR_FOLLOWER, exactly as with a real multi-broker cluster).
///
/// Locking: `storage` (the LogManager) is only used to create, open and delete logs;
/// every read and write of a partition goes through its `Partition`, which serializes
/// access to its log. The two are never held together except when a partition is
/// created or deleted.
public final class BrokerCore: Sendable {
    public let configuration: BrokerConfiguration
    public let metadata: ClusterMetadata
    let logger: Logger
    let fetchSessions = SharedFetchSessionCache()
    let waiters = FetchWaiters()
    /// Consumer groups and committed offsets (`Groups/`).
    let groups: GroupCoordinator
    /// Transactions (`Transactions/`).
    let transactions: TransactionCoordinator
    /// The ACLs and their checks (`Security/`); nil when the authorizer is off.
    let authorizer: Authorizer?
    private let storage: Mutex<LogManager>
    private let partitions = Mutex<[TopicPartition: Partition]>([:])
    /// Per listener name, per node: where the node listens. Metadata answers with the
    /// endpoints of the listener the client connected to.
    private let endpoints = Mutex<[String: [Int32: (host: String, port: Int)]]>([:])

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
        authorizer =
            configuration.authorizer.isEnabled
            ? try Authorizer(configuration: configuration.authorizer, dataDirectory: configuration.dataDirectory) : nil
        let loaded = outcome.loaded.keys.sorted { $0.directoryName < $1.directoryName }
        storage = Mutex(manager)
        groups = try GroupCoordinator(
            dataDirectory: configuration.dataDirectory, nodeIDs: configuration.nodeIDs, configuration: configuration.groups,
            logger: logger)
        let metadata = self.metadata
        transactions = try TransactionCoordinator(
            dataDirectory: configuration.dataDirectory, configuration: configuration.transactions,
            allocateProducerId: { try metadata.allocateProducerIDs() }, logger: logger)
        for partition in loaded {
            guard let topic = metadata.topic(partition.topic), Int(partition.partition) < topic.partitions.count else {
                logger.warning("\(partition) has a log but no topic in the cluster metadata; it is left untouched")
                continue
            }
            do {
                try openPartition(partition, topic: topic)
            } catch {
                logger.error("partition \(partition) could not be loaded: \(error)")
            }
        }
    }

    // MARK: Nodes

    func setEndpoint(node: Int32, listener: String, host: String, port: Int) {
        endpoints.withLock { $0[listener, default: [:]][node] = (host, port) }
    }

    /// Where `node` listens on `listener` (by default the first listener).
    public func endpoint(of node: Int32, listener: String? = nil) -> (host: String, port: Int)? {
        let name = listener ?? configuration.allListeners.first?.name ?? "PLAINTEXT"
        return endpoints.withLock { $0[name]?[node] }
    }

    public var controllerID: Int32 { configuration.nodeIDs[0] }

    // MARK: Partitions

    public func partition(_ topicPartition: TopicPartition) -> Partition? {
        partitions.withLock { $0[topicPartition] }
    }

    var allPartitions: [Partition] { partitions.withLock { Array($0.values) } }

    /// Opens (or creates, empty) the log of a partition and registers its `Partition`.
    private func openPartition(_ topicPartition: TopicPartition, topic: ClusterMetadata.Topic) throws {
        let log = try storage.withLock { try $0.createLog(for: topicPartition) }
        let info = topic.partitions[Int(topicPartition.partition)]
        let waiters = self.waiters
        let partition = try Partition(
            log: log, topicConfig: topic.config, leaderEpoch: info.leaderEpoch,
            onChange: { change in waiters.notify(change.topicPartition) })
        partitions.withLock { $0[topicPartition] = partition }
    }

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

    /// Creates a topic and its partitions. The caller has validated the request.
    @discardableResult
    func createTopic(
        name: String, partitions count: Int, replicationFactor: Int, configOverrides: [String: String],
        assignments: [[Int32]]? = nil
    ) throws -> ClusterMetadata.Topic {
        let topic = try metadata.createTopic(
            name: name, partitionCount: count, replicationFactor: replicationFactor,
            configOverrides: configOverrides, assignments: assignments)
        try storage.withLock { manager in
            try manager.setTopicConfig(topic.config.logConfig(base: manager.defaultConfig), forTopic: name)
        }
        for index in 0..<count {
            try openPartition(TopicPartition(topic: name, partition: Int32(index)), topic: topic)
        }
        logger.info("created topic \(name) with \(count) partitions")
        return topic
    }

    func deleteTopic(_ name: String) throws {
        guard let topic = metadata.topic(name) else { throw BrokerError.unknownTopic(name) }
        try metadata.deleteTopic(name)
        let removed: [Partition] = partitions.withLock { partitions in
            topic.partitions.indices.compactMap { partitions.removeValue(forKey: TopicPartition(topic: name, partition: Int32($0))) }
        }
        for partition in removed {
            try? partition.close()
        }
        try storage.withLock { manager in
            for index in topic.partitions.indices {
                try manager.deleteLog(for: TopicPartition(topic: name, partition: Int32(index)))
            }
            try manager.setTopicConfig(nil, forTopic: name, applyToOpenLogs: false)
        }
        for index in topic.partitions.indices {
            waiters.notify(TopicPartition(topic: name, partition: Int32(index)))
        }
        logger.info("deleted topic \(name)")
    }

    func addPartitions(topic name: String, count: Int, assignments: [[Int32]]?) throws {
        let existing = metadata.topic(name)?.partitions.count ?? 0
        _ = try metadata.addPartitions(topic: name, count: count, assignments: assignments)
        guard let topic = metadata.topic(name) else { throw BrokerError.unknownTopic(name) }
        for index in existing..<count {
            try openPartition(TopicPartition(topic: name, partition: Int32(index)), topic: topic)
        }
        logger.info("topic \(name) grew from \(existing) to \(count) partitions")
    }

    func setTopicConfig(_ name: String, overrides: [String: String]) throws {
        try metadata.setConfigOverrides(topic: name, overrides)
        let config = TopicConfig(overrides: overrides)
        let logConfig: LogConfig = try storage.withLock { manager in
            let logConfig = config.logConfig(base: manager.defaultConfig)
            try manager.setTopicConfig(logConfig, forTopic: name, applyToOpenLogs: false)
            return try logConfig.validated()
        }
        let affected = partitions.withLock { $0.filter { $0.key.topic == name }.map(\.value) }
        for partition in affected {
            try partition.updateConfig(config, logConfig: logConfig)
        }
    }

    /// Moves leadership of a partition (test hook) and tells the partition its new epoch.
    func moveLeader(_ topicPartition: TopicPartition, to node: Int32) throws {
        let info = try metadata.moveLeader(topicPartition, to: node)
        partition(topicPartition)?.setLeaderEpoch(info.leaderEpoch)
        waiters.notify(topicPartition)
    }

    // MARK: Housekeeping

    /// Retention, log cleaning of compacted topics (when dirty enough), time-based
    /// flushes and producer expiry, for every partition. One partition's failure is
    /// logged and does not stop the others.
    func runHousekeeping(retention: Bool) {
        groups.runTimers()
        for partition in allPartitions {
            do {
                if retention {
                    try partition.applyRetention()
                    partition.removeExpiredProducers()
                    if let topic = metadata.topic(partition.topicPartition.topic), topic.config.isCompacted {
                        let outcome = try partition.clean(config: CleanerConfig(topic.config))
                        if outcome.didClean {
                            logger.debug("cleaned \(partition.topicPartition): \(outcome)")
                        }
                    }
                }
                try partition.flushIfDue()
            } catch {
                logger.error("housekeeping of \(partition.topicPartition) failed: \(error)")
            }
        }
        if retention { _ = fetchSessions.removeIdleSessions() }
    }

    /// Runs a cleaning pass now on every partition of `topic`, however dirty (test hook;
    /// see ``EmbeddedCluster/cleanNow(topic:)``).
    @discardableResult
    public func cleanNow(topic name: String) throws -> [Int32: CleaningOutcome] {
        guard let topic = metadata.topic(name) else { throw BrokerError.unknownTopic(name) }
        var outcomes: [Int32: CleaningOutcome] = [:]
        for index in topic.partitions.indices {
            let topicPartition = TopicPartition(topic: name, partition: Int32(index))
            guard let partition = partition(topicPartition) else { continue }
            outcomes[topicPartition.partition] = try partition.clean(config: CleanerConfig(topic.config), force: true)
        }
        return outcomes
    }

    /// Closes every log cleanly (flush, clean-shutdown marker) so the next start skips recovery.
    func shutdown() {
        groups.shutdown()
        transactions.shutdown()
        waiters.shutDown()
        let all: [Partition] = partitions.withLock { partitions in
            defer { partitions = [:] }
            return Array(partitions.values)
        }
        for partition in all {
            do {
                try partition.close()
            } catch {
                logger.error("closing \(partition.topicPartition) failed: \(error)")
            }
        }
    }
}
