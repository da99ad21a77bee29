/// Selects ACLs in DescribeAcls and DeleteAcls. A nil string matches any value; the
/// `any` cases match any value of their field.
public struct AclBindingFilter: Hashable, Sendable {
    public var resourceType: AclResourceType
    public var resourceName: String?
    public var patternType: AclPatternType
    public var principal: String?
    public var host: String?
    public var operation: AclOperation
    public var permission: AclPermissionType

    public init(
        resourceType: AclResourceType = .any, resourceName: String? = nil, patternType: AclPatternType = .any,
        principal: String? = nil, host: String? = nil, operation: AclOperation = .any, permission: AclPermissionType = .any
    ) {
        self.resourceType = resourceType
        self.resourceName = resourceName
        self.patternType = patternType
        self.principal = principal
        self.host = host
        self.operation = operation
        self.permission = permission
    }

    /// Matches every ACL.
    public static let all = AclBindingFilter()

    /// Whether a field holds UNKNOWN (a code this broker does not know): Kafka refuses
    /// such a filter when it parses a DescribeAcls or DeleteAcls request.
    var hasUnknownField: Bool {
        resourceType == .unknown || patternType == .unknown || operation == .unknown || permission == .unknown
    }

    /// Kafka's `ResourcePatternFilter.matches` and `AccessControlEntryFilter.matches`.
    ///
    /// With a name: pattern type ANY, or the ACL's own pattern type, compares names
    /// exactly; MATCH (or a LITERAL/PREFIXED filter of another type, which the first
    /// test already excluded) takes every ACL that would apply to a resource of that
    /// name: the literal name, the literal wildcard, and every prefix of it.
    public func matches(_ binding: AclBinding) -> Bool {
        if resourceType != .any && resourceType != binding.resourceType { return false }
        if patternType != .any && patternType != .match && patternType != binding.patternType { return false }
        if let resourceName {
            if patternType == .any || patternType == binding.patternType {
                if resourceName != binding.resourceName { return false }
            } else if !binding.patternCovers(resourceName) {
                return false
            }
        }
        if let principal, principal != binding.principal { return false }
        if let host, host != binding.host { return false }
        if operation != .any && operation != binding.operation { return false }
        if permission != .any && permission != binding.permission { return false }
        return true
    }
}
