import Foundation
import KafkaSecurity
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// Puts TLS in front of a client connection and turns handshake failures into one line
/// that says what is wrong with which broker.
///
/// The handshake is awaited before the first request, so its failure is reported as
/// such rather than as a lost ApiVersions. BoringSSL reports an untrusted and an
/// expired certificate alike; on that failure a second handshake that does not verify
/// (and sends nothing else) fetches the certificate to say which it was.
struct TLSConnector: Sendable {
    let settings: TLSSettings
    let endpoint: KafkaClientConfiguration.Endpoint
    private let context: NIOSSLContext

    init(settings: TLSSettings, endpoint: KafkaClientConfiguration.Endpoint) throws {
        self.settings = settings
        self.endpoint = endpoint
        do {
            self.context = try settings.makeContext()
        } catch {
            throw KafkaClientError(.securityFailed("TLS settings: \(error)"), broker: endpoint.description)
        }
    }

    /// SNI carries host names only; for an IP address NIOSSL checks the certificate's
    /// IP SANs against the socket's address instead.
    private var serverHostname: String? {
        let host = endpoint.host
        var ipv4 = in_addr()
        var ipv6 = in6_addr()
        let isAddress = inet_pton(AF_INET, host, &ipv4) == 1 || inet_pton(AF_INET6, host, &ipv6) == 1
        return isAddress ? nil : host
    }

    func addHandlers(to channel: any Channel) throws {
        try addHandlers(to: channel, context: context)
    }

    private func addHandlers(to channel: any Channel, context: NIOSSLContext) throws {
        let pipeline = channel.pipeline.syncOperations
        try pipeline.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverHostname))
        try pipeline.addHandler(HandshakeWatcher(promise: channel.eventLoop.makePromise()))
    }

    /// Waits for the handshake; throws a `.securityFailed` error that names the cause.
    func awaitHandshake(on channel: any Channel, group: any EventLoopGroup, timeout: Duration) async throws {
        let watcher = try await channel.pipeline.handler(type: HandshakeWatcher.self).get()
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            watcher.promise.fail(KafkaClientError(.securityFailed("the TLS handshake timed out (is it a TLS listener?)")))
        }
        defer { deadline.cancel() }
        do {
            try await watcher.promise.futureResult.get()
        } catch var error as KafkaClientError {
            error.broker = endpoint.description
            throw error
        } catch {
            var reason = TLSFailure.describe(error, side: .client, host: endpoint.host) ?? "TLS handshake failed: \(error)"
            if TLSFailure.isVerificationFailure(error) {
                reason = await diagnoseUntrustedCertificate(group: group, timeout: timeout) ?? reason
            }
            throw KafkaClientError(.securityFailed("TLS to \(endpoint) failed: \(reason)"), broker: endpoint.description)
        }
    }

    /// Connects once more without verification to read the broker's certificate, and
    /// says whether it had expired, was not valid yet, or came from an unknown CA.
    private func diagnoseUntrustedCertificate(group: any EventLoopGroup, timeout: Duration) async -> String? {
        var unverified = settings
        unverified.verifyHostname = false
        guard let probeContext = try? unverified.makeContext(verifyingPeer: false) else { return nil }
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer({ channel in
                channel.eventLoop.makeCompletedFuture { try addHandlers(to: channel, context: probeContext) }
            })
        guard let channel = try? await bootstrap.connect(host: endpoint.host, port: endpoint.port).get() else { return nil }
        defer { channel.close(promise: nil) }
        guard let watcher = try? await channel.pipeline.handler(type: HandshakeWatcher.self).get(),
            (try? await watcher.promise.futureResult.get()) != nil,
            let certificate = try? await channel.nioSSL_peerCertificate().get()
        else { return nil }
        let now = time(nil)
        let formatter = ISO8601DateFormatter()
        if certificate.notValidAfter < now {
            let expiry = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(certificate.notValidAfter)))
            return "the broker's certificate expired at \(expiry)"
        }
        if certificate.notValidBefore > now {
            let start = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(certificate.notValidBefore)))
            return "the broker's certificate is not valid before \(start)"
        }
        let trusted = settings.caFile.map { "the CA file \($0)" } ?? "the system trust store"
        return "the broker's certificate is signed by an unknown CA (not by \(trusted))"
    }
}

/// Completes its promise when the TLS handshake succeeds or fails, then stays out of the way.
private final class HandshakeWatcher: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    let promise: EventLoopPromise<Void>

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { promise.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(NIOSSLError.uncleanShutdown)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
    }
}
