import KafkaProtocol
import KafkaSecurity
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The listening socket of one node on one listener, and the loop that serves its
/// connections.
///
/// Each connection is served on a task of its own, one request at a time and in
/// order, as Kafka does (a broker mutes a connection until its in-flight request is
/// answered). A connection that misbehaves (garbage, an oversized frame, an unknown
/// API) is closed and logged; nothing it sent reaches the logs, and the other
/// connections never notice. On a TLS listener NIOSSL sits first in the pipeline; on a
/// SASL listener the connection's `SaslServerSession` answers until it authenticated.
struct BrokerListener: Sendable {
    typealias Connection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    let nodeID: Int32
    let listener: ListenerConfiguration
    let host: String
    let port: Int
    private let serverChannel: NIOAsyncChannel<Connection, Never>

    var name: String { listener.name }

    static func bind(
        nodeID: Int32, listener: ListenerConfiguration, port: Int, tls: NIOSSLContext?, configuration: BrokerConfiguration,
        group: any EventLoopGroup
    ) async throws -> BrokerListener {
        let maximumFrameSize = configuration.maximumRequestSize
        let idleTimeout = TimeAmount(configuration.idleConnectionTimeout)
        let serverChannel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: listener.host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try pipeline.addHandler(IdleConnectionCloser())
                    try pipeline.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maximumFrameSize: maximumFrameSize)))
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        let boundPort = serverChannel.channel.localAddress?.port ?? port
        return BrokerListener(nodeID: nodeID, listener: listener, host: listener.host, port: boundPort, serverChannel: serverChannel)
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
        logger[metadataKey: "listener"] = "\(listener.name)"
        let configuration = router.core.configuration
        var sasl = listener.security.usesSasl ? SaslServerSession(enabledMechanisms: configuration.saslMechanisms) : nil
        var principal = KafkaPrincipal.anonymous
        var certificateRead = listener.security.tls == nil
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await frame in inbound {
                    // The handshake is done once a frame arrives, so the client
                    // certificate (if any) is known: the principal unless SASL names one.
                    if !certificateRead {
                        principal = await certificatePrincipal(of: connection.channel)
                        certificateRead = true
                        if principal != .anonymous { logger.debug("TLS client certificate: \(principal)") }
                    }
                    let outcome: RequestOutcome
                    if var session = sasl {
                        outcome = await authenticate(
                            frame, session: &session, principal: &principal, users: configuration.saslUsers, router: router,
                            clientHost: clientHost, logger: logger)
                        sasl = session.isAuthenticated ? nil : session
                    } else {
                        outcome = await router.route(
                            frame: frame, nodeID: nodeID, clientHost: clientHost, principal: principal,
                            listener: listener.name, logger: logger)
                    }
                    switch outcome {
                    case .respond(let response):
                        try await outbound.write(response)
                    case .noResponse:
                        continue
                    case .close(let reason):
                        logger.warning("closing connection: \(reason)")
                        return
                    case .respondThenClose(let response, _):
                        try await outbound.write(response)
                        return
                    }
                }
            }
        } catch let error as KafkaProtocolError {
            logger.warning("closing connection: \(error)\(plaintextHint(error))")
        } catch {
            if let failure = TLSFailure.describe(error, side: .server) {
                logger.warning("closing connection: TLS: \(failure)")
            } else {
                logger.debug("connection ended: \(error)")
            }
        }
    }

    /// One request of a connection on a SASL listener that has not authenticated yet.
    /// Only ApiVersions, SaslHandshake and SaslAuthenticate are served, as in Kafka; a
    /// refused authentication is answered and then the connection closes.
    private func authenticate(
        _ frame: ByteBuffer, session: inout SaslServerSession, principal: inout KafkaPrincipal, users: ScramUserStore,
        router: RequestRouter, clientHost: String, logger: Logger
    ) async -> RequestOutcome {
        let request: KafkaRequest
        do {
            request = try KafkaRequest(frame: frame)
        } catch {
            return .close(reason: "cannot decode request before SASL authentication: \(error)")
        }
        let header = request.header
        let response: KafkaAnyResponse
        var closeAfter: String?
        switch request.body {
        case .apiVersions:
            return await router.route(
                frame: frame, nodeID: nodeID, clientHost: clientHost, principal: .anonymous, listener: listener.name, logger: logger)
        case .saslHandshake(let handshake):
            let answer = session.handshake(handshake)
            if answer.errorCode != 0 { closeAfter = "SASL mechanism '\(handshake.mechanism)' is not enabled" }
            response = .saslHandshake(answer)
        case .saslAuthenticate(let authenticate):
            let (answer, verdict) = session.authenticate(authenticate, users: users)
            switch verdict {
            case .pending:
                break
            case .authenticated(let user):
                logger.debug("SASL authenticated as \(user)")
                principal = user
            case .refused(let failure):
                closeAfter = "\(failure)"
            }
            response = .saslAuthenticate(answer)
        default:
            return .close(reason: "\(request.body.apiKey.name) before SASL authentication on listener \(listener.name)")
        }
        var buffer = ByteBuffer()
        KafkaResponse(header: KafkaResponseHeader(correlationID: header.correlationID), body: response, bodyVersion: header.apiVersion)
            .encodeFrame(into: &buffer)
        if let closeAfter {
            // Kafka sends the error response, then closes; so do we, after the write.
            logger.warning("\(closeAfter)")
            return .respondThenClose(buffer, reason: closeAfter)
        }
        return .respond(buffer)
    }

    /// `User:<subject DN>` when the client showed a certificate, else `User:ANONYMOUS`.
    private func certificatePrincipal(of channel: any Channel) async -> KafkaPrincipal {
        guard let certificate = try? await channel.nioSSL_peerCertificate().get(),
            let name = CertificatePrincipal.distinguishedName(of: certificate)
        else { return .anonymous }
        return .user(name)
    }

    /// A TLS ClientHello read as a Kafka frame has a size starting 0x16 0x03: say so.
    /// (a TLS record header: content type 22, version 3.x).
    private func plaintextHint(_ error: KafkaProtocolError) -> String {
        guard listener.security.tls == nil, case .frameTooLarge(let size, _) = error.kind, size >> 16 == 0x1603 else { return "" }
        return " (a TLS client on the plaintext listener \(listener.name)?)"
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
