import KafkaProtocol

/// A failure seen by the client, with enough context to act on.
public struct KafkaClientError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// The TCP connection could not be made or was lost.
        case connectionFailed(String)
        /// No response within the request timeout.
        case timedOut
        /// The broker answered with a Kafka error code.
        case broker(KafkaErrorCode)
        /// Neither side supports a common version of the API.
        case unsupportedVersion(api: String)
        /// TLS or SASL failed: an untrusted, expired or misnamed certificate, a refused
        /// password, a plaintext client on a TLS port or the reverse. Retried with backoff,
        /// since credentials and certificates get fixed while the daemon runs.
        case securityFailed(String)
        /// The response could not be decoded.
        case protocolViolation(String)
        /// None of the bootstrap servers or known brokers could be reached.
        case noBrokerAvailable
        /// The client or connection was shut down.
        case closed
    }

    public var kind: Kind
    public var message: String?
    /// `host:port` (and node id when known) of the broker involved.
    public var broker: String?
    public var topic: String?
    public var partition: Int32?

    public init(_ kind: Kind, message: String? = nil, broker: String? = nil, topic: String? = nil, partition: Int32? = nil) {
        self.kind = kind
        self.message = message
        self.broker = broker
        self.topic = topic
        self.partition = partition
    }

    /// True when the same call may succeed later (after a metadata refresh and a backoff).
    public var isRetriable: Bool {
        switch kind {
        case .connectionFailed, .timedOut, .noBrokerAvailable, .securityFailed: return true
        case .broker(let code): return code.isRetriable
        case .unsupportedVersion, .protocolViolation, .closed: return false
        }
    }

    public var description: String {
        var text: String
        switch kind {
        case .connectionFailed(let reason): text = "connection failed: \(reason)"
        case .securityFailed(let reason): text = reason
        case .timedOut: text = "request timed out"
        case .broker(let code): text = "broker error \(code)"
        case .unsupportedVersion(let api): text = "no common version of \(api)"
        case .protocolViolation(let reason): text = "protocol violation: \(reason)"
        case .noBrokerAvailable: text = "no broker available"
        case .closed: text = "client closed"
        }
        if let message { text += ": \(message)" }
        var context: [String] = []
        if let broker { context.append("broker \(broker)") }
        if let topic { context.append(partition.map { "\(topic)-\($0)" } ?? "topic \(topic)") }
        if !context.isEmpty { text += " [" + context.joined(separator: ", ") + "]" }
        return text
    }
}
