import KafkaProtocol
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A connection pool and metadata cache for one cluster.
///
/// It keeps one connection per broker (requests to the same broker are pipelined on
/// it), reaches the cluster first through the bootstrap servers, and knows each
/// partition's leader from the latest metadata. Callers route a request with
/// `send(_:to:)` (a node) or `sendToLeader(_:of:)`; errors that mean "the metadata is
/// stale" (NOT_LEADER_OR_FOLLOWER, a lost connection) mark the cache for refresh so
/// the next call routes afresh. Retrying is the caller's choice, with `retrying(_:)`.
public final class KafkaClient: Sendable {
    public let configuration: KafkaClientConfiguration
    let group: any EventLoopGroup
    let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var connections: [Int32: Task<KafkaConnection, any Error>] = [:]
        var bootstrap: Task<KafkaConnection, any Error>?
        var metadata: ClusterSnapshot?
        var metadataStale = true
        var closed = false
    }

    public init(
        configuration: KafkaClientConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "causeway.client")
    ) {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.logger = logger
    }

    // MARK: Connections

    /// The connection to a broker by node id, made if needed (from the latest metadata).
    /// A node the cached metadata does not know yet (a coordinator named by
    /// FindCoordinator before any metadata was read) gets the metadata refreshed once.
    public func connection(to node: Int32) async throws -> KafkaConnection {
        let known = state.withLock { $0.connections[node] != nil || $0.metadata?.brokers[node] != nil }
        if !known { _ = try await refreshMetadata(topics: []) }
        let task: Task<KafkaConnection, any Error> = try state.withLock { state in
            if state.closed { throw KafkaClientError(.closed) }
            if let existing = state.connections[node] { return existing }
            guard let endpoint = state.metadata?.brokers[node] else {
                throw KafkaClientError(.connectionFailed("node \(node) is not in the cluster metadata"))
            }
            let configuration = self.configuration
            let group = self.group
            let task = Task { try await KafkaConnection.connect(to: endpoint, nodeID: node, configuration: configuration, group: group) }
            state.connections[node] = task
            return task
        }
        do {
            let connection = try await task.value
            if connection.isActive { return connection }
            forget(node: node, task: task)
            return try await self.connection(to: node)
        } catch {
            forget(node: node, task: task)
            state.withLock { $0.metadataStale = true }
            throw error
        }
    }

    /// Any live connection: a known broker, else one of the bootstrap servers.
    public func anyConnection() async throws -> KafkaConnection {
        let known: [Int32] = state.withLock { state in
            state.connections.keys.shuffled()
        }
        for node in known {
            if let connection = try? await connection(to: node) { return connection }
        }
        return try await bootstrapConnection()
    }

    private func bootstrapConnection() async throws -> KafkaConnection {
        if let existing = state.withLock({ $0.bootstrap }), let connection = try? await existing.value, connection.isActive {
            return connection
        }
        var lastError: (any Error)?
        for endpoint in configuration.bootstrapServers.shuffled() {
            do {
                let connection = try await KafkaConnection.connect(to: endpoint, configuration: configuration, group: group)
                let task = Task<KafkaConnection, any Error> { connection }
                let previous: Task<KafkaConnection, any Error>? = state.withLock { state in
                    defer { state.bootstrap = task }
                    return state.bootstrap
                }
                if let previous, let old = try? await previous.value { await old.close() }
                return connection
            } catch {
                lastError = error
                logger.debug("bootstrap server \(endpoint) unreachable: \(error)")
            }
        }
        throw KafkaClientError(
            .noBrokerAvailable,
            message: "none of \(configuration.bootstrapServers.map(\.description).joined(separator: ",")) answered"
                + (lastError.map { " (last: \($0))" } ?? ""))
    }

    private func forget(node: Int32, task: Task<KafkaConnection, any Error>) {
        state.withLock { state in
            if state.connections[node] == task { state.connections[node] = nil }
        }
    }

    // MARK: Metadata

    /// Metadata for `topics` (nil: all topics), fetched now.
    public func refreshMetadata(topics: [String]? = nil, allowAutoCreate: Bool = false) async throws -> ClusterSnapshot {
        let connection = try await anyConnection()
        let request = MetadataRequest(
            topics: topics.map { $0.map { MetadataRequest.MetadataRequestTopic(name: $0) } },
            allowAutoTopicCreation: allowAutoCreate)
        let response = try await connection.send(request)
        var snapshot = ClusterSnapshot(response, takenAt: .now)
        state.withLock { state in
            // A partial refresh keeps what it did not ask about.
            if let topics, let previous = state.metadata {
                var merged = previous.topics
                for name in topics { merged[name] = snapshot.topics[name] }
                snapshot.topics = merged
            }
            state.metadata = snapshot
            state.metadataStale = false
        }
        return snapshot
    }

    /// The cached metadata, refreshed first if it is stale, too old, or lacks `topics`.
    public func metadata(covering topics: [String] = []) async throws -> ClusterSnapshot {
        let cached: ClusterSnapshot? = state.withLock { state in
            guard let snapshot = state.metadata, !state.metadataStale,
                snapshot.takenAt.duration(to: .now) < configuration.metadataMaxAge,
                topics.allSatisfy({ snapshot.topics[$0] != nil })
            else { return nil }
            return snapshot
        }
        if let cached { return cached }
        return try await refreshMetadata(topics: topics.isEmpty ? nil : topics)
    }

    /// Marks the cached metadata stale: the next routing decision fetches it again.
    public func invalidateMetadata() {
        state.withLock { $0.metadataStale = true }
    }

    // MARK: Requests

    /// Sends to a node by id.
    public func send<Request: KafkaRequestMessage>(_ request: Request, to node: Int32) async throws -> Request.Response {
        let connection = try await connection(to: node)
        return try await connection.send(request)
    }

    /// Sends to the current leader of a partition.
    public func sendToLeader<Request: KafkaRequestMessage>(
        _ request: Request, of partition: TopicPartitionID
    ) async throws -> Request.Response {
        let node = try await leader(of: partition)
        return try await send(request, to: node)
    }

    /// The leader of a partition according to fresh-enough metadata.
    public func leader(of partition: TopicPartitionID) async throws -> Int32 {
        var snapshot = try await metadata(covering: [partition.topic])
        if snapshot.leader(of: partition) == nil {
            snapshot = try await refreshMetadata(topics: [partition.topic])
        }
        guard let leader = snapshot.leader(of: partition) else {
            let code = snapshot.topics[partition.topic]?.error ?? .unknownTopicOrPartition
            throw KafkaClientError(
                .broker(code == .none ? .leaderNotAvailable : code), topic: partition.topic, partition: partition.partition)
        }
        return leader
    }

    /// Runs `operation` until it succeeds, fails with a non-retriable error, or
    /// `attempts` run out, waiting with jittered exponential backoff in between and
    /// invalidating metadata after each retriable failure.
    public func retrying<Result: Sendable>(
        attempts: Int = 10, _ operation: () async throws -> Result
    ) async throws -> Result {
        let backoff = RetryBackoff(base: configuration.retryBackoff, maximum: configuration.retryBackoffMax)
        var attempt = 0
        while true {
            do {
                return try await operation()
            } catch let error as KafkaClientError where error.isRetriable && attempt + 1 < attempts {
                invalidateMetadata()
                logger.debug("retrying after \(error)")
                try await Task.sleep(for: backoff.delay(attempt: attempt))
                attempt += 1
            }
        }
    }

    /// Closes every connection. Later calls fail with `.closed`.
    public func shutdown() async {
        let tasks: [Task<KafkaConnection, any Error>] = state.withLock { state in
            state.closed = true
            defer {
                state.connections = [:]
                state.bootstrap = nil
            }
            return Array(state.connections.values) + (state.bootstrap.map { [$0] } ?? [])
        }
        for task in tasks {
            if let connection = try? await task.value { await connection.close() }
        }
    }
}
