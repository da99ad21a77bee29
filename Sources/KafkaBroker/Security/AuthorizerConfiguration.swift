/// Whether and how the embedded broker checks ACLs (Kafka's `authorizer.class.name`
/// set to `StandardAuthorizer`, `super.users`, `allow.everyone.if.no.acl.found`).
///
/// Off by default, as in Kafka: every principal may do everything and the ACL APIs
/// answer SECURITY_DISABLED. Whoever turns it on must still be able to get in: name a
/// super user (it bypasses every ACL) and let it create the ACLs of the others, or set
/// `allowEveryoneIfNoAclFound` so resources without ACLs stay open.
public struct AuthorizerConfiguration: Sendable, Hashable {
    /// Check every request against the ACLs.
    public var isEnabled = false
    /// `super.users`: principals every check allows, whatever the ACLs say (even DENY).
    public var superUsers: Set<KafkaPrincipal> = []
    /// `allow.everyone.if.no.acl.found`: a resource no ACL mentions is open to everyone
    /// instead of closed. Default false.
    public var allowEveryoneIfNoAclFound = false

    public init(isEnabled: Bool = false, superUsers: Set<KafkaPrincipal> = [], allowEveryoneIfNoAclFound: Bool = false) {
        self.isEnabled = isEnabled
        self.superUsers = superUsers
        self.allowEveryoneIfNoAclFound = allowEveryoneIfNoAclFound
    }
}
