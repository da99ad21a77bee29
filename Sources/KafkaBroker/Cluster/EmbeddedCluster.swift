import KafkaProtocol
import KafkaSecurity
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// One or more Kafka-compatible brokers in this process over one data directory.
///
/// ```swift
/// let cluster = try await EmbeddedCluster.bind(configuration: .init(dataDirectory: dir, nodes: 3))
/// print(cluster.bootstrapServers)      // "127.0.0.1:40123,127.0.0.1:40124,..."
/// try await cluster.run()              // serves until cancelled or gracefully shut down
/// ```
///
/// `bind` opens the data directory (recovering logs after a crash) and the listening
/// sockets, so ports are known before `run` starts serving. `run` is a `Service`:
/// it returns after a graceful shutdown or cancellation, having closed every log
/// cleanly.
public final class EmbeddedCluster: Service, Sendable {
    public let core: BrokerCore
    private let listeners: [BrokerListener]
    private let router: RequestRouter
    private let connections = ConnectionCounter()
    private let logger: Logger
    private let stopRequests: AsyncStream<Void>
    private let stopRequester: AsyncStream<Void>.Continuation

    private init(core: BrokerCore, listeners: [BrokerListener], logger: Logger) {
        self.core = core
        self.listeners = listeners
        self.router = RequestRouter(core: core)
        self.logger = logger
        (stopRequests, stopRequester) = AsyncStream.makeStream(of: Void.self)
    }

    /// Asks `run` to stop as on a graceful shutdown: connections close, logs close cleanly.
    public func stop() {
        stopRequester.yield()
    }

    public static func bind(
        configuration: BrokerConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "causeway.broker")
    ) async throws -> EmbeddedCluster {
        let core = try BrokerCore(configuration: configuration, logger: logger)
        var listeners: [BrokerListener] = []
        do {
            for listener in configuration.allListeners {
                // One TLS context per listener, shared by its nodes.
                let tls: NIOSSLContext?
                do {
                    tls = try listener.security.tls?.makeContext()
                } catch {
                    throw SecurityError("listener \(listener.name): \(error)")
                }
                for (index, nodeID) in configuration.nodeIDs.enumerated() {
                    let bound = try await BrokerListener.bind(
                        nodeID: nodeID, listener: listener, port: configuration.port(of: listener, nodeAt: index), tls: tls,
                        configuration: core.configuration, group: eventLoopGroup)
                    core.setEndpoint(node: nodeID, listener: listener.name, host: listener.host, port: bound.port)
                    listeners.append(bound)
                }
            }
        } catch {
            for listener in listeners { await listener.close() }
            core.shutdown()
            throw error
        }
        return EmbeddedCluster(core: core, listeners: listeners, logger: logger)
    }

    /// The nodes' addresses on the first listener, in node id order.
    public var nodes: [(id: Int32, host: String, port: Int)] {
        listeners.filter { $0.name == firstListener }.map { ($0.nodeID, $0.host, $0.port) }
    }

    /// `host:port,host:port,...` of the first listener (PLAINTEXT unless turned off),
    /// for a client's bootstrap.servers.
    public var bootstrapServers: String {
        bootstrapServers(listener: firstListener)
    }

    /// `host:port,...` of the listener named `listener` ("SASL_SSL"); empty if none.
    public func bootstrapServers(listener: String) -> String {
        listeners.filter { $0.name == listener }.map { "\($0.host):\($0.port)" }.joined(separator: ",")
    }

    /// The listener names, in the order they were configured.
    public var listenerNames: [String] {
        core.configuration.allListeners.map(\.name)
    }

    private var firstListener: String { listenerNames.first ?? "PLAINTEXT" }

    public func run() async throws {
        let addresses = listenerNames.map { "\($0)://\(bootstrapServers(listener: $0))" }.joined(separator: " ")
        logger.info("serving \(core.configuration.nodeIDs.count) node(s) at \(addresses), data in \(core.configuration.dataDirectory)")
        defer { core.shutdown() }
        do {
            try await runUntilShutdown()
        } catch is CancellationError {
            // A graceful shutdown (SIGTERM) or a cancelled task: a normal end.
        }
        logger.info("shutting down: closing every log cleanly")
    }

    private func runUntilShutdown() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                for listener in self.listeners {
                    group.addTask {
                        try await listener.serve(router: self.router, connections: self.connections, logger: self.logger)
                    }
                }
                group.addTask { try await self.housekeeping() }
                group.addTask { await self.core.runTransactionMarkers() }
                group.addTask { try await self.core.runTransactionTimeouts() }
                group.addTask {
                    for await _ in self.stopRequests { break }
                    throw CancellationError()
                }
            }
        }
    }

    /// Test hook: moves a partition's leadership to another node and bumps its epoch.
    public func moveLeader(topic: String, partition: Int32, to node: Int32) throws {
        try core.moveLeader(TopicPartition(topic: topic, partition: partition), to: node)
    }

    /// Test hook: runs a log-cleaner pass now on every partition of a compacted topic,
    /// whatever its dirty ratio (`min.compaction.lag.ms` and open transactions still bound
    /// it), and returns what each partition's pass did. Partitions of a topic whose
    /// `cleanup.policy` lacks `compact` report a skipped pass.
    @discardableResult
    public func cleanNow(topic: String) throws -> [Int32: CleaningOutcome] {
        try core.cleanNow(topic: topic)
    }

    /// Flushes due logs every second (`flush.ms`), and applies retention and expires
    /// idle producers and fetch sessions every `log.retention.check.interval.ms`.
    private func housekeeping() async throws {
        let clock = ContinuousClock()
        var nextRetention = clock.now.advanced(by: core.configuration.retentionCheckInterval)
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(1))
            let retention = clock.now >= nextRetention
            if retention { nextRetention = clock.now.advanced(by: core.configuration.retentionCheckInterval) }
            core.runHousekeeping(retention: retention)
        }
    }
}
