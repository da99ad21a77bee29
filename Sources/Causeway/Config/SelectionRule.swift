/// One include or exclude rule of a ``TopicSelection`` or ``GroupSelection``.
///
/// In YAML, a mapping with exactly one key:
/// ```yaml
/// - name: orders          # exactly this name
/// - prefix: payments.     # every name starting with it
/// - regex: 'audit-[0-9]+' # every name the pattern matches whole
/// ```
public enum SelectionRule: Hashable, Sendable, CustomStringConvertible {
    /// Matches exactly this name. The only rule that can select an internal (`__`) name.
    case name(String)
    /// Matches names that start with this text.
    case prefix(String)
    /// Matches names the pattern matches from first character to last.
    case regex(NamePattern)

    public func matches(_ candidate: String) -> Bool {
        switch self {
        case .name(let name): candidate == name
        case .prefix(let prefix): candidate.hasPrefix(prefix)
        case .regex(let pattern): pattern.matches(candidate)
        }
    }

    /// The YAML key of this kind of rule.
    public var kind: String {
        switch self {
        case .name: "name"
        case .prefix: "prefix"
        case .regex: "regex"
        }
    }

    /// The rule's text: the name, the prefix or the pattern.
    public var text: String {
        switch self {
        case .name(let text), .prefix(let text): text
        case .regex(let pattern): pattern.source
        }
    }

    public var description: String { "\(kind): \(text)" }

    /// The YAML keys of a rule, in the order error messages list them.
    static let kinds = ["name", "prefix", "regex"]
}
