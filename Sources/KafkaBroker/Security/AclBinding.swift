/// One ACL: "principal P is allowed/denied operation O from host H on the resources
/// matching pattern R" (KIP-11, patterns from KIP-290).
public struct AclBinding: Hashable, Sendable, CustomStringConvertible {
    public var resourceType: AclResourceType
    public var resourceName: String
    public var patternType: AclPatternType
    /// "Type:Name", "User:*" for every user.
    public var principal: String
    /// A client address, or "*" for every host.
    public var host: String
    public var operation: AclOperation
    public var permission: AclPermissionType

    /// The resource name that a LITERAL ACL uses for every resource of its type.
    public static let wildcardResource = "*"
    /// The host that matches every client address.
    public static let wildcardHost = "*"
    /// The principal that matches every user.
    public static let wildcardPrincipal = "User:*"
    /// The only name of the CLUSTER resource.
    public static let clusterResourceName = "kafka-cluster"

    public init(
        resourceType: AclResourceType, resourceName: String, patternType: AclPatternType = .literal,
        principal: String, host: String = wildcardHost, operation: AclOperation, permission: AclPermissionType = .allow
    ) {
        self.resourceType = resourceType
        self.resourceName = resourceName
        self.patternType = patternType
        self.principal = principal
        self.host = host
        self.operation = operation
        self.permission = permission
    }

    /// Whether this ACL's pattern covers the resource `name` of its type: the same name,
    /// the literal wildcard "*", or a prefix of it.
    func patternCovers(_ name: String) -> Bool {
        switch patternType {
        case .literal: return resourceName == name || resourceName == Self.wildcardResource
        case .prefixed: return name.hasPrefix(resourceName)
        case .unknown, .any, .match: return false
        }
    }

    /// Why a CreateAcls entry cannot be stored, with the message a Kafka 4.0 broker
    /// gives (`AclApis.handleCreateAcls`, then `AclControlManager.validateNewAcl`); nil
    /// when it is valid. The caller answers INVALID_REQUEST with it.
    var creationProblem: String? {
        if resourceType == .cluster && resourceName != Self.clusterResourceName {
            return "The only valid name for the CLUSTER resource is \(Self.clusterResourceName)"
        }
        if resourceName.isEmpty { return "Invalid empty resource name" }
        switch resourceType {
        case .unknown, .any: return "Invalid resourceType \(resourceType)"
        default: break
        }
        switch patternType {
        case .literal, .prefixed: break
        default: return "Invalid patternType \(patternType)"
        }
        switch operation {
        case .unknown, .any: return "Invalid operation \(operation)"
        default: break
        }
        switch permission {
        case .allow, .deny: break
        default: return "Invalid permissionType \(permission)"
        }
        if KafkaPrincipal(parsing: principal) == nil {
            return "Could not parse principal from `\(principal)` (no colon is present separating the principal type from the principal name)"
        }
        return nil
    }

    public var description: String {
        "(\(resourceType):\(patternType):\(resourceName), \(principal) \(permission) \(operation) from \(host))"
    }
}
