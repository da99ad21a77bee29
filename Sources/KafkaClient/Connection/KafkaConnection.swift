import KafkaProtocol
import KafkaSecurity
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// One TCP connection to one broker, with requests pipelined on it.
///
/// `connect` negotiates API versions (KIP-511: ApiVersions first, retried at the
/// broker's highest version if it does not know ours), so `version(for:)` can pick the
/// highest version both sides speak for every later request. A request that gets no
/// answer within the request timeout fails, and so does the connection: responses
/// come in order, so a lost one leaves the stream unusable (Kafka's client does the same).
public final class KafkaConnection: Sendable {
    public let endpoint: KafkaClientConfiguration.Endpoint
    /// The broker's node id, when the connection was made from metadata.
    public let nodeID: Int32?
    /// The versions the broker supports, per API key.
    public let brokerVersions: [Int16: ClosedRange<Int16>]
    private let channel: any Channel
    private let clientID: String
    private let requestTimeout: Duration
    /// Correlation ids need only be unique among the requests in flight; a counter
    /// shared by the connection's callers gives that without a lock.
    private let nextCorrelationID = Atomic<Int32>(0)

    private init(
        endpoint: KafkaClientConfiguration.Endpoint, nodeID: Int32?, channel: any Channel, clientID: String,
        requestTimeout: Duration, brokerVersions: [Int16: ClosedRange<Int16>]
    ) {
        self.endpoint = endpoint
        self.nodeID = nodeID
        self.channel = channel
        self.clientID = clientID
        self.requestTimeout = requestTimeout
        self.brokerVersions = brokerVersions
    }

    public static func connect(
        to endpoint: KafkaClientConfiguration.Endpoint, nodeID: Int32? = nil, configuration: KafkaClientConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> KafkaConnection {
        let maximumFrame = configuration.maximumResponseSize
        let tls = try configuration.security.tls.map { try TLSConnector(settings: $0, endpoint: endpoint) }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let pipeline = channel.pipeline.syncOperations
                        try tls?.addHandlers(to: channel)
                        try pipeline.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maximumFrameSize: maximumFrame)))
                        try pipeline.addHandler(ResponseMatcher())
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            throw KafkaClientError(.connectionFailed("\(error)"), broker: endpoint.description)
        }
        let unnegotiated = KafkaConnection(
            endpoint: endpoint, nodeID: nodeID, channel: channel, clientID: configuration.clientID,
            requestTimeout: configuration.requestTimeout, brokerVersions: [:])
        do {
            if let tls { try await tls.awaitHandshake(on: channel, group: group, timeout: configuration.connectTimeout) }
            let versions = try await unnegotiated.negotiateVersions(
                plaintextProtocol: tls == nil ? configuration.security.name : nil)
            let connection = KafkaConnection(
                endpoint: endpoint, nodeID: nodeID, channel: channel, clientID: configuration.clientID,
                requestTimeout: configuration.requestTimeout, brokerVersions: versions)
            if let sasl = configuration.security.sasl {
                try await connection.authenticate(sasl)
            }
            return connection
        } catch {
            try? await channel.close()
            throw error
        }
    }

    private func negotiateVersions(plaintextProtocol: String?) async throws -> [Int16: ClosedRange<Int16>] {
        let request = ApiVersionsRequest(clientSoftwareName: "causeway", clientSoftwareVersion: CausewayVersion.string)
        var version = ApiVersionsRequest.validVersions.upperBound
        for _ in 0..<2 {
            let frame: ByteBuffer
            do {
                frame = try await roundTrip(request, version: version)
            } catch let error as KafkaClientError {
                // A TLS listener reads our ApiVersions as a broken handshake: it hangs up,
                // or answers with a TLS alert that reads as an absurd frame size.
                guard let plaintextProtocol, case .connectionFailed(let reason) = error.kind else { throw error }
                throw KafkaClientError(
                    .securityFailed(
                        "no answer to ApiVersions from \(endpoint) (\(reason)): is it a TLS listener? security.protocol is \(plaintextProtocol)"),
                    broker: endpoint.description)
            }
            let response = try KafkaResponse(frame: frame, apiKey: .apiVersions, version: version)
            guard case .apiVersions(let body) = response.body else {
                throw KafkaClientError(.protocolViolation("ApiVersions answered with another API"), broker: endpoint.description)
            }
            let advertised = Dictionary(body.apiKeys.map { ($0.apiKey, $0.minVersion...$0.maxVersion) }) { first, _ in first }
            if body.errorCode == KafkaErrorCode.unsupportedVersion.rawValue,
                let theirs = advertised[KafkaAPIKey.apiVersions.rawValue], theirs.upperBound < version
            {
                // The broker is older than us: ask again in its newest version (KIP-511).
                version = theirs.upperBound
                continue
            }
            guard body.errorCode == 0 else {
                throw KafkaClientError(.broker(KafkaErrorCode(rawValue: body.errorCode)), message: "ApiVersions", broker: endpoint.description)
            }
            return advertised
        }
        throw KafkaClientError(.unsupportedVersion(api: "ApiVersions"), broker: endpoint.description)
    }

    /// The highest version of `api` that both this client and the broker support.
    public func version(for api: KafkaAPIKey) throws -> Int16 {
        guard let theirs = brokerVersions[api.rawValue] else {
            throw KafkaClientError(.unsupportedVersion(api: api.name), message: "the broker does not offer it", broker: endpoint.description)
        }
        let ours = api.validVersions
        let highest = min(ours.upperBound, theirs.upperBound)
        guard highest >= max(ours.lowerBound, theirs.lowerBound) else {
            throw KafkaClientError(
                .unsupportedVersion(api: api.name), message: "broker offers \(theirs), client speaks \(ours)",
                broker: endpoint.description)
        }
        return highest
    }

    /// Sends a request at the negotiated version (or `version`) and decodes its response.
    public func send<Request: KafkaRequestMessage>(_ request: Request, version: Int16? = nil) async throws -> Request.Response {
        let api = KafkaAPIKey(rawValue: Request.apiKey)!
        let version = try version ?? self.version(for: api)
        let frame = try await roundTrip(request, version: version)
        return try decode(Request.Response.self, frame: frame, version: version)
    }

    /// Sends a request that gets no response (Produce with acks=0); returns once written.
    public func sendWithoutResponse<Request: KafkaRequestMessage>(_ request: Request, version: Int16? = nil) async throws {
        let version = try version ?? self.version(for: KafkaAPIKey(rawValue: Request.apiKey)!)
        _ = try await write(request, version: version, expectsResponse: false)
    }

    public var isActive: Bool { channel.isActive }

    public func close() async {
        try? await channel.close()
    }

    // MARK: Wire

    private func roundTrip<Request: KafkaRequestMessage>(_ request: Request, version: Int16) async throws -> ByteBuffer {
        try await write(request, version: version, expectsResponse: true)
    }

    private func write<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16, expectsResponse: Bool
    ) async throws -> ByteBuffer {
        var frame = channel.allocator.buffer(capacity: 256)
        let correlationID = nextCorrelationID.wrappingAdd(1, ordering: .relaxed).newValue & Int32.max
        request.encodeFrame(into: &frame, version: version, correlationID: correlationID, clientID: clientID)
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let timeout = channel.eventLoop.scheduleTask(in: TimeAmount(requestTimeout)) { [channel, endpoint] in
            channel.pipeline.fireErrorCaught(KafkaClientError(.timedOut, broker: endpoint.description))
        }
        defer { timeout.cancel() }
        // A write to a channel that is closing or closed never reaches the matcher (or
        // reaches it after it failed everything pending): fail the request with the
        // write's error, or it would wait forever, cancellation included.
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { error in promise.fail(error) }
        channel.writeAndFlush(
            OutboundRequest(frame: frame, correlationID: correlationID, expectsResponse: expectsResponse, promise: promise),
            promise: written)
        do {
            return try await promise.futureResult.get()
        } catch var error as KafkaClientError {
            if error.broker == nil { error.broker = endpoint.description }
            throw error
        } catch {
            throw KafkaClientError(.connectionFailed("\(error)"), broker: endpoint.description)
        }
    }

    private func decode<Response: KafkaResponseMessage>(_: Response.Type, frame: ByteBuffer, version: Int16) throws -> Response {
        var buffer = frame
        do {
            let headerVersion = KafkaResponseHeader.headerVersion(apiKey: Response.apiKey, apiVersion: version)
            _ = try KafkaResponseHeader(from: &buffer, headerVersion: headerVersion)
            return try Response(decoding: buffer, version: version)
        } catch {
            throw KafkaClientError(.protocolViolation("\(error)"), broker: endpoint.description)
        }
    }
}

/// The version this build reports to brokers (ApiVersions client software version).
public enum CausewayVersion {
    public static let string = "0.1.0"
}
