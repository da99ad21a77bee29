/// How a client talks to a cluster: Kafka's `security.protocol`, carrying its settings.
///
/// An explicit choice rather than flags (STYLE rule 6): each case holds exactly the
/// settings it needs, so a switch over it cannot forget TLS or SASL.
public enum SecurityProtocol: Hashable, Sendable, CustomStringConvertible {
    /// No TLS, no authentication.
    case plaintext
    /// TLS, optionally with a client certificate (mTLS).
    case ssl(TLSSettings)
    /// SASL authentication over plain TCP.
    case saslPlaintext(SaslCredentials)
    /// SASL authentication inside TLS.
    case saslSSL(TLSSettings, SaslCredentials)

    /// The spelling in configuration files, as in Kafka's `security.protocol`.
    public var name: String {
        switch self {
        case .plaintext: "PLAINTEXT"
        case .ssl: "SSL"
        case .saslPlaintext: "SASL_PLAINTEXT"
        case .saslSSL: "SASL_SSL"
        }
    }

    public var tls: TLSSettings? {
        switch self {
        case .plaintext, .saslPlaintext: nil
        case .ssl(let tls), .saslSSL(let tls, _): tls
        }
    }

    public var sasl: SaslCredentials? {
        switch self {
        case .plaintext, .ssl: nil
        case .saslPlaintext(let sasl), .saslSSL(_, let sasl): sasl
        }
    }

    public var description: String { name }
}
