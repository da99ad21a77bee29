/// What an ACL allows or denies, with Kafka's wire codes (`AclOperation`).
public enum AclOperation: Int8, Sendable, CaseIterable, CustomStringConvertible {
    case unknown = 0
    /// Only in filters.
    case any = 1
    /// Every operation, in a stored ACL.
    case all = 2
    case read = 3
    case write = 4
    case create = 5
    case delete = 6
    case alter = 7
    case describe = 8
    case clusterAction = 9
    case describeConfigs = 10
    case alterConfigs = 11
    case idempotentWrite = 12
    case createTokens = 13
    case describeTokens = 14
    case twoPhaseCommit = 15

    public init(code: Int8) {
        self = AclOperation(rawValue: code) ?? .unknown
    }

    /// Whether an ALLOW ACL for `self` also grants `requested`.
    ///
    /// Kafka's `StandardAuthorizerData.findResult`: READ, WRITE, DELETE and ALTER imply
    /// DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS, ALL implies everything. Only
    /// ALLOW ACLs imply: a DENY of READ does not deny DESCRIBE.
    func allowImplies(_ requested: AclOperation) -> Bool {
        if self == .all || self == requested { return true }
        switch requested {
        case .describe: return [.read, .write, .delete, .alter].contains(self)
        case .describeConfigs: return self == .alterConfigs
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .unknown: return "UNKNOWN"
        case .any: return "ANY"
        case .all: return "ALL"
        case .read: return "READ"
        case .write: return "WRITE"
        case .create: return "CREATE"
        case .delete: return "DELETE"
        case .alter: return "ALTER"
        case .describe: return "DESCRIBE"
        case .clusterAction: return "CLUSTER_ACTION"
        case .describeConfigs: return "DESCRIBE_CONFIGS"
        case .alterConfigs: return "ALTER_CONFIGS"
        case .idempotentWrite: return "IDEMPOTENT_WRITE"
        case .createTokens: return "CREATE_TOKENS"
        case .describeTokens: return "DESCRIBE_TOKENS"
        case .twoPhaseCommit: return "TWO_PHASE_COMMIT"
        }
    }
}
