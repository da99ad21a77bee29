/// A SASL mechanism Causeway speaks, spelled as in Kafka's `sasl.mechanism`.
public enum SaslMechanism: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// RFC 4616: user and password in one message. Only safe over TLS.
    case plain = "PLAIN"
    /// RFC 5802 / RFC 7677 with SHA-256.
    case scramSHA256 = "SCRAM-SHA-256"
    /// RFC 5802 with SHA-512.
    case scramSHA512 = "SCRAM-SHA-512"

    /// Parses a configuration spelling, case-insensitively.
    public init?(configurationValue text: String) {
        self.init(rawValue: text.uppercased())
    }

    /// The SCRAM hash of the mechanism; nil for PLAIN.
    public var scramAlgorithm: ScramAlgorithm? {
        switch self {
        case .plain: nil
        case .scramSHA256: .sha256
        case .scramSHA512: .sha512
        }
    }

    public var description: String { rawValue }
}
