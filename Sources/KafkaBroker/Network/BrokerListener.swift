import KafkaProtocol
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The listening socket of one node and the loop that serves its connections.
///
/// Each connection is served on a task of its own, one request at a time and in
/// order, as Kafka does (a broker mutes a connection until its in-flight request is
/// answered). A connection that misbehaves (garbage, an oversized frame, an unknown
/// API) is closed and logged; nothing it sent reaches the logs, and the other
/// connections never notice.
struct BrokerListener: Sendable {
    typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    let nodeID: Int32
    let host: String
    let port: Int
    private let serverChannel: NIOAsyncChannel<Connection, Never>

    static func bind(
        nodeID: Int32, host: String, port: Int, configuration: BrokerConfiguration, group: any EventLoopGroup
    ) async throws -> BrokerListener {
        let maximumFrameSize = configuration.maximumRequestSize
        let idleTimeout = TimeAmount(configuration.idleConnectionTimeout)
        let serverChannel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try pipeline.addHandler(IdleConnectionCloser())
                    try pipeline.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maximumFrameSize: maximumFrameSize)))
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        let boundPort = serverChannel.channel.localAddress?.port ?? port
        return BrokerListener(nodeID: nodeID, host: host, port: boundPort, serverChannel: serverChannel)
    }

    /// Accepts connections until the task is cancelled or the socket closes.
    func serve(router: RequestRouter, connections: ConnectionCounter, logger: Logger) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await serverChannel.executeThenClose { inbound in
                for try await connection in inbound {
                    guard connections.open(limit: router.core.configuration.maximumConnections) else {
                        logger.warning(
                            "closing connection: max.connections reached",
                            metadata: ["peer": "\(connection.channel.remoteAddress?.description ?? "?")"])
                        try? await connection.channel.close()
                        continue
                    }
                    group.addTask {
                        defer { connections.close() }
                        await serveConnection(connection, router: router, logger: logger)
                    }
                }
            }
        }
    }

    /// Closes the listening socket; `serve` then returns once its connections end.
    func close() async {
        try? await serverChannel.channel.close()
    }

    private func serveConnection(_ connection: Connection, router: RequestRouter, logger: Logger) async {
        let peer = connection.channel.remoteAddress?.description ?? "unknown peer"
        let clientHost = "/" + (connection.channel.remoteAddress?.ipAddress ?? "")
        var logger = logger
        logger[metadataKey: "peer"] = "\(peer)"
        logger[metadataKey: "node"] = "\(nodeID)"
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await frame in inbound {
                    switch await router.route(frame: frame, nodeID: nodeID, clientHost: clientHost, logger: logger) {
                    case .respond(let response):
                        try await outbound.write(response)
                    case .noResponse:
                        continue
                    case .close(let reason):
                        logger.warning("closing connection: \(reason)")
                        return
                    }
                }
            }
        } catch let error as KafkaProtocolError {
            logger.warning("closing connection: \(error)")
        } catch {
            logger.debug("connection ended: \(error)")
        }
    }
}

/// Counts open connections across the nodes of a cluster, for `max.connections`.
final class ConnectionCounter: Sendable {
    private let count = Atomic<Int>(0)

    func open(limit: Int) -> Bool {
        let after = count.add(1, ordering: .relaxed).newValue
        if after > limit {
            count.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func close() {
        count.subtract(1, ordering: .relaxed)
    }

    var current: Int { count.load(ordering: .relaxed) }
}
