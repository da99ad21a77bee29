import Testing
@testable import KafkaBroker

/// The authorizer's decisions on their own (no requests): which ACLs apply to a
/// resource, DENY over ALLOW, implied operations, hosts, super users, and the
/// allow-everyone fallback, as Kafka's StandardAuthorizer decides them.
@Suite struct AuthorizerTests {
    static let alice = KafkaPrincipal.user("alice")
    static let bob = KafkaPrincipal.user("bob")

    static func authorizer(
        _ acls: [AclBinding], superUsers: Set<KafkaPrincipal> = [], allowEveryone: Bool = false
    ) throws -> Authorizer {
        let authorizer = try Authorizer(
            configuration: AuthorizerConfiguration(isEnabled: true, superUsers: superUsers, allowEveryoneIfNoAclFound: allowEveryone),
            dataDirectory: nil)
        try authorizer.create(acls)
        return authorizer
    }

    static func acl(
        _ name: String, _ pattern: AclPatternType = .literal, _ principal: String = "User:alice", type: AclResourceType = .topic,
        host: String = "*", operation: AclOperation, _ permission: AclPermissionType = .allow
    ) -> AclBinding {
        AclBinding(
            resourceType: type, resourceName: name, patternType: pattern, principal: principal, host: host,
            operation: operation, permission: permission)
    }

    @Test func literalPrefixedAndWildcardPatterns() throws {
        let authorizer = try Self.authorizer([
            Self.acl("orders", .literal, operation: .read),
            Self.acl("logs-", .prefixed, operation: .write),
            Self.acl("*", .literal, operation: .describe),
        ])
        #expect(authorizer.authorize(Self.alice, host: "10.0.0.1", .read, .topic, "orders"))
        #expect(!authorizer.authorize(Self.alice, host: "10.0.0.1", .read, .topic, "orders2"))
        #expect(authorizer.authorize(Self.alice, host: "10.0.0.1", .write, .topic, "logs-a"))
        #expect(authorizer.authorize(Self.alice, host: "10.0.0.1", .write, .topic, "logs-"))
        #expect(!authorizer.authorize(Self.alice, host: "10.0.0.1", .write, .topic, "log"))
        // The literal wildcard covers every topic, but only topics.
        #expect(authorizer.authorize(Self.alice, host: "10.0.0.1", .describe, .topic, "anything"))
        #expect(!authorizer.authorize(Self.alice, host: "10.0.0.1", .describe, .group, "anything"))
        // ACLs are per principal.
        #expect(!authorizer.authorize(Self.bob, host: "10.0.0.1", .read, .topic, "orders"))
    }

    @Test func aPrefixedAclNamedStarIsNotAWildcard() throws {
        let authorizer = try Self.authorizer([Self.acl("*", .prefixed, operation: .read)])
        #expect(!authorizer.authorize(Self.alice, host: "h", .read, .topic, "orders"))
        #expect(authorizer.authorize(Self.alice, host: "h", .read, .topic, "*orders"))
    }

    @Test func denyBeatsAllowWhateverMatchesIt() throws {
        let authorizer = try Self.authorizer([
            Self.acl("*", .literal, "User:*", operation: .all),
            Self.acl("secret-", .prefixed, operation: .read, .deny),
            Self.acl("audit", .literal, "User:*", operation: .write, .deny),
        ])
        #expect(authorizer.authorize(Self.alice, host: "h", .read, .topic, "public"))
        #expect(!authorizer.authorize(Self.alice, host: "h", .read, .topic, "secret-plans"))
        #expect(authorizer.authorize(Self.bob, host: "h", .read, .topic, "secret-plans"))
        // A DENY of READ does not deny DESCRIBE: only ALLOW implies.
        #expect(authorizer.authorize(Self.alice, host: "h", .describe, .topic, "secret-plans"))
        #expect(!authorizer.authorize(Self.bob, host: "h", .write, .topic, "audit"))
        #expect(authorizer.authorize(Self.bob, host: "h", .read, .topic, "audit"))
    }

    @Test func allowImpliesDescribeAndDescribeConfigs() throws {
        let authorizer = try Self.authorizer([
            Self.acl("r", operation: .read), Self.acl("w", operation: .write), Self.acl("d", operation: .delete),
            Self.acl("a", operation: .alter), Self.acl("c", operation: .alterConfigs), Self.acl("x", operation: .create),
        ])
        for name in ["r", "w", "d", "a"] {
            #expect(authorizer.authorize(Self.alice, host: "h", .describe, .topic, name))
        }
        #expect(!authorizer.authorize(Self.alice, host: "h", .describe, .topic, "x"))
        #expect(!authorizer.authorize(Self.alice, host: "h", .describe, .topic, "c"))
        #expect(authorizer.authorize(Self.alice, host: "h", .describeConfigs, .topic, "c"))
        #expect(!authorizer.authorize(Self.alice, host: "h", .write, .topic, "r"))
        #expect(!authorizer.authorize(Self.alice, host: "h", .read, .topic, "w"))
    }

    @Test func hostsMatchExactlyOrByWildcard() throws {
        let authorizer = try Self.authorizer([
            Self.acl("t", host: "10.0.0.1", operation: .read),
            Self.acl("t", host: "10.0.0.2", operation: .read, .deny),
        ])
        #expect(authorizer.authorize(Self.alice, host: "10.0.0.1", .read, .topic, "t"))
        #expect(!authorizer.authorize(Self.alice, host: "10.0.0.3", .read, .topic, "t"))
        #expect(!authorizer.authorize(Self.alice, host: "10.0.0.2", .read, .topic, "t"))
    }

    @Test func superUsersBypassEvenDeny() throws {
        let authorizer = try Self.authorizer(
            [Self.acl("t", .literal, "User:*", operation: .all, .deny)], superUsers: [Self.bob])
        #expect(authorizer.authorize(Self.bob, host: "h", .write, .topic, "t"))
        #expect(authorizer.authorize(Self.bob, host: "h", .alter, .cluster, "kafka-cluster"))
        #expect(!authorizer.authorize(Self.alice, host: "h", .write, .topic, "t"))
    }

    @Test func allowEveryoneIfNoAclFoundOnlyForResourcesWithoutAcls() throws {
        let closed = try Self.authorizer([Self.acl("guarded", .literal, "User:bob", operation: .read)])
        #expect(!closed.authorize(Self.alice, host: "h", .read, .topic, "open"))
        let open = try Self.authorizer([Self.acl("guarded", .literal, "User:bob", operation: .read)], allowEveryone: true)
        #expect(open.authorize(Self.alice, host: "h", .write, .topic, "open"))
        // Any ACL on the resource, even for someone else, closes it to the others.
        #expect(!open.authorize(Self.alice, host: "h", .read, .topic, "guarded"))
        #expect(open.authorize(Self.bob, host: "h", .read, .topic, "guarded"))
    }

    @Test func authorizeAnyFollowsAuthorizeByResourceType() throws {
        #expect(!(try Self.authorizer([])).authorizeAny(Self.alice, host: "h", .write, .topic))
        #expect(try Self.authorizer([Self.acl("t", operation: .write)]).authorizeAny(Self.alice, host: "h", .write, .topic))
        #expect(try Self.authorizer([Self.acl("t", operation: .all)]).authorizeAny(Self.alice, host: "h", .write, .topic))
        // A literal allow cancelled by the same literal deny, or a prefixed deny covering it.
        #expect(
            !(try Self.authorizer([Self.acl("t", operation: .write), Self.acl("t", operation: .write, .deny)]))
                .authorizeAny(Self.alice, host: "h", .write, .topic))
        #expect(
            !(try Self.authorizer([Self.acl("ab", operation: .write), Self.acl("a", .prefixed, operation: .write, .deny)]))
                .authorizeAny(Self.alice, host: "h", .write, .topic))
        // A deny of another name leaves the allow standing; a wildcard deny cancels all.
        #expect(
            try Self.authorizer([Self.acl("ab", operation: .write), Self.acl("b", .prefixed, operation: .write, .deny)])
                .authorizeAny(Self.alice, host: "h", .write, .topic))
        #expect(
            !(try Self.authorizer([Self.acl("ab", operation: .write), Self.acl("*", operation: .write, .deny)]))
                .authorizeAny(Self.alice, host: "h", .write, .topic))
        // READ does not count for WRITE.
        #expect(!(try Self.authorizer([Self.acl("t", operation: .read)])).authorizeAny(Self.alice, host: "h", .write, .topic))
    }

    @Test func authorizedOperationsIsABitSetOfTheTypesOperations() throws {
        let authorizer = try Self.authorizer([Self.acl("t", operation: .read), Self.acl("t", operation: .alterConfigs)])
        let bits = authorizer.authorizedOperations(Self.alice, host: "h", .topic, "t")
        let expected: [AclOperation] = [.read, .describe, .describeConfigs, .alterConfigs]
        #expect(bits == expected.reduce(Int32(0)) { $0 | (1 << Int32($1.rawValue)) })
    }

    @Test func filtersSelectByAnyMatchOrExactPattern() throws {
        let literal = Self.acl("orders", operation: .read)
        let wildcard = Self.acl("*", operation: .read)
        let prefixed = Self.acl("ord", .prefixed, "User:bob", operation: .write, .deny)
        let group = Self.acl("orders", type: .group, operation: .read)
        let all = [literal, wildcard, prefixed, group]
        func matched(_ filter: AclBindingFilter) -> [AclBinding] { all.filter(filter.matches) }
        #expect(matched(.all) == all)
        #expect(matched(AclBindingFilter(resourceType: .topic)) == [literal, wildcard, prefixed])
        #expect(matched(AclBindingFilter(resourceType: .topic, resourceName: "orders")) == [literal])
        #expect(matched(AclBindingFilter(resourceName: "orders", patternType: .match)) == [literal, wildcard, prefixed, group])
        #expect(matched(AclBindingFilter(resourceType: .topic, resourceName: "orders", patternType: .literal)) == [literal])
        #expect(matched(AclBindingFilter(resourceName: "ord", patternType: .prefixed)) == [prefixed])
        #expect(matched(AclBindingFilter(principal: "User:bob")) == [prefixed])
        #expect(matched(AclBindingFilter(operation: .read, permission: .allow)) == [literal, wildcard, group])
        #expect(matched(AclBindingFilter(host: "10.0.0.1")).isEmpty)
        #expect(matched(AclBindingFilter(permission: .deny)) == [prefixed])
    }

    @Test func deleteReportsEveryMatchOfEachFilterAndCreateKeepsOneCopy() throws {
        let authorizer = try Self.authorizer([Self.acl("a", operation: .read), Self.acl("b", operation: .read)])
        try authorizer.create([Self.acl("a", operation: .read)])
        #expect(authorizer.acls(matching: .all).count == 2)
        let removed = try authorizer.delete(matching: [AclBindingFilter(resourceName: "a"), .all, .all])
        #expect(removed.map(\.count) == [1, 2, 2])
        #expect(authorizer.acls(matching: .all).isEmpty)
    }
}
