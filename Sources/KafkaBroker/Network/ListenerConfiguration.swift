import KafkaSecurity

/// One of Kafka's `listeners=`: a name, a security protocol with its TLS settings, and
/// where it listens. Every node of an embedded cluster gets one socket per listener.
public struct ListenerConfiguration: Hashable, Sendable {
    /// `listener.security.protocol.map`'s right side, with what TLS needs.
    public enum Security: Hashable, Sendable {
        case plaintext
        case ssl(ServerTLSSettings)
        case saslPlaintext
        case saslSSL(ServerTLSSettings)

        public var name: String {
            switch self {
            case .plaintext: "PLAINTEXT"
            case .ssl: "SSL"
            case .saslPlaintext: "SASL_PLAINTEXT"
            case .saslSSL: "SASL_SSL"
            }
        }

        public var tls: ServerTLSSettings? {
            switch self {
            case .plaintext, .saslPlaintext: nil
            case .ssl(let tls), .saslSSL(let tls): tls
            }
        }

        public var usesSasl: Bool {
            switch self {
            case .plaintext, .ssl: false
            case .saslPlaintext, .saslSSL: true
            }
        }
    }

    /// The listener name clients never see but metadata is kept per (Kafka's
    /// `listener.name`); here the protocol's name, so each protocol appears once.
    public var name: String
    public var security: Security
    public var host: String
    /// The first node's port (the others follow); 0 lets the system pick each.
    public var port: Int

    public init(security: Security, host: String, port: Int) {
        self.name = security.name
        self.security = security
        self.host = host
        self.port = port
    }

    /// The port of the node at `index`.
    func port(forNodeAt index: Int) -> Int {
        port == 0 ? 0 : port + index
    }
}
