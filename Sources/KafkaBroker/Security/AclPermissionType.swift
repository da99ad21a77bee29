/// Whether an ACL allows or denies, with Kafka's wire codes (`AclPermissionType`).
public enum AclPermissionType: Int8, Sendable, CaseIterable, CustomStringConvertible {
    case unknown = 0
    /// Only in filters.
    case any = 1
    case deny = 2
    case allow = 3

    public init(code: Int8) {
        self = AclPermissionType(rawValue: code) ?? .unknown
    }

    public var description: String {
        switch self {
        case .unknown: return "UNKNOWN"
        case .any: return "ANY"
        case .deny: return "DENY"
        case .allow: return "ALLOW"
        }
    }
}
