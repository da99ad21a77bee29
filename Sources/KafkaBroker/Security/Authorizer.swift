import Synchronization

/// Decides whether a principal may perform an operation on a resource, with the rules
/// of Kafka's `StandardAuthorizer`, and keeps the ACLs (durably, in `AclStore`).
///
/// A check, for principal P from host H doing operation O on resource (type, name):
/// 1. A super user is allowed.
/// 2. The ACLs that apply are those of the same resource type whose pattern covers the
///    name (the literal name, the literal wildcard "*", or a prefix), for principal P or
///    `User:*`, from host H or "*".
/// 3. Any DENY among them for O (or ALL) refuses. DENY wins over ALLOW.
/// 4. Else any ALLOW for O, ALL, or an operation that implies O
///    (`AclOperation.allowImplies`) allows.
/// 5. Else, when no ACL at all (any principal) covers the resource,
///    `allow.everyone.if.no.acl.found` decides; otherwise refused.
///
/// Thread-safe: the ACLs sit behind a mutex, which changes also hold while they write
/// the file, so two concurrent CreateAcls cannot save their sets in the wrong order.
final class Authorizer: Sendable {
    let configuration: AuthorizerConfiguration
    private let store: AclStore?
    private let bindings: Mutex<[AclBinding]>

    /// Loads the ACLs of `dataDirectory`; `nil` keeps them in memory only (tests).
    init(configuration: AuthorizerConfiguration, dataDirectory: String?) throws {
        self.configuration = configuration
        self.store = dataDirectory.map(AclStore.init(dataDirectory:))
        self.bindings = Mutex(try store?.load() ?? [])
    }

    // MARK: Checks

    /// Whether `principal`, connected from `host`, may perform `operation` on the resource.
    func authorize(
        _ principal: KafkaPrincipal, host: String, _ operation: AclOperation, _ resourceType: AclResourceType,
        _ name: String
    ) -> Bool {
        if configuration.superUsers.contains(principal) { return true }
        let principalName = principal.description
        return bindings.withLock { bindings in
            var anyAclForResource = false
            var allowed = false
            for acl in bindings where acl.resourceType == resourceType && acl.patternCovers(name) {
                anyAclForResource = true
                guard acl.principal == principalName || acl.principal == AclBinding.wildcardPrincipal,
                    acl.host == AclBinding.wildcardHost || acl.host == host
                else { continue }
                switch acl.permission {
                case .deny:
                    if acl.operation == .all || acl.operation == operation { return false }
                case .allow:
                    if acl.operation.allowImplies(operation) { allowed = true }
                case .unknown, .any:
                    continue
                }
            }
            return allowed || (!anyAclForResource && configuration.allowEveryoneIfNoAclFound)
        }
    }

    /// Whether the principal may perform `operation` on at least one resource of the type
    /// (Kafka's `Authorizer.authorizeByResourceType`): how InitProducerId lets a producer
    /// with WRITE on some topic be idempotent without IDEMPOTENT_WRITE on the cluster.
    ///
    /// Allowed when a check on a resource no ACL names would be allowed (super user, or
    /// allow-everyone with no ACL), or when some ALLOW for the operation (or ALL) is not
    /// cancelled by a DENY: a literal allow by a literal deny of the same name or a
    /// prefixed deny of a prefix of it, a prefixed allow by a prefixed deny of a prefix of
    /// it; a literal wildcard deny cancels everything, a literal wildcard allow wins
    /// otherwise. Implied operations do not count here, as in Kafka.
    func authorizeAny(
        _ principal: KafkaPrincipal, host: String, _ operation: AclOperation, _ resourceType: AclResourceType
    ) -> Bool {
        // Kafka checks a made-up name first, so that super users pass whatever the DENYs.
        if authorize(principal, host: host, operation, resourceType, "hardcode") { return true }
        let principalName = principal.description
        return bindings.withLock { bindings in
            var deniedLiterals: Set<String> = []
            var deniedPrefixes: Set<String> = []
            var allowed: [AclBinding] = []
            for acl in bindings where acl.resourceType == resourceType {
                guard acl.principal == principalName || acl.principal == AclBinding.wildcardPrincipal,
                    acl.host == AclBinding.wildcardHost || acl.host == host,
                    acl.operation == operation || acl.operation == .all
                else { continue }
                switch (acl.permission, acl.patternType) {
                case (.deny, .literal):
                    if acl.resourceName == AclBinding.wildcardResource { return false }
                    deniedLiterals.insert(acl.resourceName)
                case (.deny, .prefixed): deniedPrefixes.insert(acl.resourceName)
                case (.allow, .literal), (.allow, .prefixed): allowed.append(acl)
                default: continue
                }
            }
            if allowed.contains(where: { $0.patternType == .literal && $0.resourceName == AclBinding.wildcardResource }) {
                return true
            }
            return allowed.contains { acl in
                if acl.patternType == .literal && deniedLiterals.contains(acl.resourceName) { return false }
                var prefix = ""
                for character in acl.resourceName {
                    prefix.append(character)
                    if deniedPrefixes.contains(prefix) { return false }
                }
                return true
            }
        }
    }

    /// The operations of the resource's type the principal may perform, as the bit set
    /// (`1 << code`) of the `authorizedOperations` response fields.
    func authorizedOperations(
        _ principal: KafkaPrincipal, host: String, _ resourceType: AclResourceType, _ name: String
    ) -> Int32 {
        resourceType.supportedOperations.reduce(Int32(0)) { bits, operation in
            authorize(principal, host: host, operation, resourceType, name) ? bits | (1 << Int32(operation.rawValue)) : bits
        }
    }

    // MARK: ACLs

    /// Every ACL the filter matches, in the order they were created.
    func acls(matching filter: AclBindingFilter) -> [AclBinding] {
        bindings.withLock { $0.filter(filter.matches) }
    }

    /// Adds ACLs (already validated) and saves them before returning. Adding an ACL that
    /// exists already succeeds and keeps one copy, as Kafka does.
    func create(_ new: [AclBinding]) throws {
        try bindings.withLock { bindings in
            var updated = bindings
            for binding in new where !updated.contains(binding) { updated.append(binding) }
            guard updated.count != bindings.count else { return }
            try store?.save(updated)
            bindings = updated
        }
    }

    /// Removes the ACLs any filter matches and saves the rest before returning; per
    /// filter, the ACLs it matched. As in Kafka's `AclControlManager.deleteAcls`, every
    /// filter is matched against the ACLs as they were before the request, so an ACL two
    /// filters match is reported under both.
    func delete(matching filters: [AclBindingFilter]) throws -> [[AclBinding]] {
        try bindings.withLock { bindings in
            let removed = filters.map { bindings.filter($0.matches) }
            let remaining = bindings.filter { binding in !filters.contains { $0.matches(binding) } }
            if remaining.count != bindings.count {
                try store?.save(remaining)
                bindings = remaining
            }
            return removed
        }
    }
}
