/// How Causeway talks to a cluster: Kafka's `security.protocol`.
///
/// An explicit choice rather than a flag (STYLE rule 6). Today only `PLAINTEXT` exists; the
/// TLS/SASL issue adds `SSL`, `SASL_PLAINTEXT` and `SASL_SSL` as cases carrying their
/// settings, so the compiler finds every switch that must handle them.
public enum SecurityProtocol: Hashable, Sendable, CustomStringConvertible {
    /// No TLS, no authentication.
    case plaintext

    /// The spelling in configuration files, as in Kafka's `security.protocol`.
    public var description: String {
        switch self {
        case .plaintext: "PLAINTEXT"
        }
    }

    /// Spellings accepted today (matched case-insensitively).
    static let accepted = ["PLAINTEXT"]
    /// Kafka's other protocols: recognised, so the error can say they are not supported *yet*.
    static let planned = ["SSL", "SASL_PLAINTEXT", "SASL_SSL"]

    /// Parses a configuration spelling; nil for anything not supported.
    init?(configurationValue text: String) {
        switch text.uppercased() {
        case "PLAINTEXT": self = .plaintext
        default: return nil
        }
    }
}
