/// What kind of thing an ACL protects, with Kafka's wire codes (`ResourceType`).
///
/// `unknown` stands for any code this broker does not know; `any` is only meaningful in
/// a filter (DescribeAcls, DeleteAcls), never in a stored ACL.
public enum AclResourceType: Int8, Sendable, CaseIterable, CustomStringConvertible {
    case unknown = 0
    case any = 1
    case topic = 2
    case group = 3
    case cluster = 4
    case transactionalID = 5
    case delegationToken = 6
    case user = 7

    /// Maps a wire code; codes Kafka does not define become `unknown`, as `ResourceType.fromCode` does.
    public init(code: Int8) {
        self = AclResourceType(rawValue: code) ?? .unknown
    }

    public var description: String {
        switch self {
        case .unknown: return "UNKNOWN"
        case .any: return "ANY"
        case .topic: return "TOPIC"
        case .group: return "GROUP"
        case .cluster: return "CLUSTER"
        case .transactionalID: return "TRANSACTIONAL_ID"
        case .delegationToken: return "DELEGATION_TOKEN"
        case .user: return "USER"
        }
    }

    /// The operations an ACL on this kind of resource can grant, for the
    /// `authorizedOperations` bit sets of Metadata, DescribeCluster and DescribeGroups
    /// (Kafka's `ResourceType` to `AclOperation` table in `AuthorizerUtils`).
    var supportedOperations: [AclOperation] {
        switch self {
        case .topic: return [.read, .write, .create, .delete, .alter, .describe, .describeConfigs, .alterConfigs]
        case .group: return [.read, .delete, .describe, .describeConfigs, .alterConfigs]
        case .cluster:
            return [.create, .alter, .describe, .clusterAction, .describeConfigs, .alterConfigs, .idempotentWrite]
        case .transactionalID: return [.describe, .write, .twoPhaseCommit]
        case .delegationToken: return [.describe]
        case .user: return [.createTokens, .describeTokens]
        case .unknown, .any: return []
        }
    }
}
