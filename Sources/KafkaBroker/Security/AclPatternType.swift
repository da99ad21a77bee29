/// How an ACL's resource name is matched, with Kafka's wire codes (`PatternType`).
///
/// A stored ACL is `literal` (the name itself, or "*" for every name) or `prefixed`
/// (every name that starts with it). `any` and `match` exist only in filters: `any`
/// selects ACLs by their own pattern type and name, `match` selects every ACL that
/// would apply to the named resource (KIP-290).
public enum AclPatternType: Int8, Sendable, CaseIterable, CustomStringConvertible {
    case unknown = 0
    case any = 1
    case match = 2
    case literal = 3
    case prefixed = 4

    public init(code: Int8) {
        self = AclPatternType(rawValue: code) ?? .unknown
    }

    public var description: String {
        switch self {
        case .unknown: return "UNKNOWN"
        case .any: return "ANY"
        case .match: return "MATCH"
        case .literal: return "LITERAL"
        case .prefixed: return "PREFIXED"
        }
    }
}
