import Foundation
import KafkaProtocol
import Testing
@testable import KafkaBroker

/// CreateAcls, DescribeAcls and DeleteAcls through the request router: validation as a
/// Kafka 4.0 broker answers it, who may call them, and ACLs kept across a restart.
@Suite struct AclRequestTests {
    typealias B = AuthorizedBroker

    static func describe(_ broker: AuthorizedBroker, _ request: DescribeAclsRequest, as principal: KafkaPrincipal = B.admin)
        async throws -> DescribeAclsResponse
    {
        guard case .describeAcls(let response) = try await broker.send(request, version: 3, as: principal) else {
            throw B.Unexpected(description: "not a DescribeAcls response")
        }
        return response
    }

    static let everything = DescribeAclsRequest(
        resourceTypeFilter: AclResourceType.any.rawValue, resourceNameFilter: nil, patternTypeFilter: AclPatternType.any.rawValue,
        principalFilter: nil, hostFilter: nil, operation: AclOperation.any.rawValue, permissionType: AclPermissionType.any.rawValue)

    @Test func createDescribeAndDeleteWithFilters() async throws {
        let broker = try B()
        defer { broker.close() }
        let codes = try await broker.createAcls([
            B.creation(.topic, "orders", principal: "User:alice", .read),
            B.creation(.topic, "orders", principal: "User:bob", .write, .deny),
            B.creation(.topic, "logs-", pattern: .prefixed, principal: "User:alice", .write),
            B.creation(.group, "g1", principal: "User:alice", .read),
            B.creation(.cluster, "kafka-cluster", principal: "User:alice", .idempotentWrite),
        ])
        #expect(codes == Array(repeating: .none, count: 5))

        let all = try await Self.describe(broker, Self.everything)
        #expect(all.errorCode == 0)
        #expect(all.resources.count == 4)
        let orders = try #require(all.resources.first { $0.resourceName == "orders" })
        #expect(orders.resourceType == AclResourceType.topic.rawValue && orders.patternType == AclPatternType.literal.rawValue)
        #expect(Set(orders.acls.map(\.principal)) == ["User:alice", "User:bob"])

        // MATCH on "logs-app" finds the prefixed ACL; LITERAL does not.
        var filter = Self.everything
        filter.resourceTypeFilter = AclResourceType.topic.rawValue
        filter.resourceNameFilter = "logs-app"
        filter.patternTypeFilter = AclPatternType.match.rawValue
        #expect(try await Self.describe(broker, filter).resources.map(\.resourceName) == ["logs-"])
        filter.patternTypeFilter = AclPatternType.literal.rawValue
        #expect(try await Self.describe(broker, filter).resources.isEmpty)

        // Delete everything of User:bob, then every TOPIC ACL.
        let delete = DeleteAclsRequest(filters: [
            .init(
                resourceTypeFilter: AclResourceType.any.rawValue, resourceNameFilter: nil,
                patternTypeFilter: AclPatternType.any.rawValue, principalFilter: "User:bob", hostFilter: nil,
                operation: AclOperation.any.rawValue, permissionType: AclPermissionType.any.rawValue),
            .init(
                resourceTypeFilter: AclResourceType.topic.rawValue, resourceNameFilter: nil,
                patternTypeFilter: AclPatternType.any.rawValue, principalFilter: nil, hostFilter: nil,
                operation: AclOperation.any.rawValue, permissionType: AclPermissionType.any.rawValue),
        ])
        guard case .deleteAcls(let deleted) = try await broker.send(delete, version: 3) else {
            Issue.record("not a DeleteAcls response")
            return
        }
        #expect(deleted.filterResults.map(\.errorCode) == [0, 0])
        #expect(deleted.filterResults[0].matchingAcls.map(\.principal) == ["User:bob"])
        #expect(deleted.filterResults[0].matchingAcls.first?.permissionType == AclPermissionType.deny.rawValue)
        #expect(Set(deleted.filterResults[1].matchingAcls.map(\.resourceName)) == ["orders", "logs-"])
        let left = try await Self.describe(broker, Self.everything)
        #expect(Set(left.resources.map(\.resourceName)) == ["g1", "kafka-cluster"])
    }

    @Test func invalidCreationsGetInvalidRequestWithKafkasMessage() async throws {
        let broker = try B()
        defer { broker.close() }
        guard case .createAcls(let response) = try await broker.send(
            CreateAclsRequest(creations: [
                B.creation(.topic, "t", pattern: .match, principal: "User:a", .read),
                B.creation(.topic, "t", pattern: .any, principal: "User:a", .read),
                B.creation(.any, "t", principal: "User:a", .read),
                B.creation(.topic, "", principal: "User:a", .read),
                B.creation(.cluster, "other", principal: "User:a", .alter),
                B.creation(.topic, "t", principal: "alice", .read),
                B.creation(.topic, "t", principal: "User:a", .any),
                B.creation(.topic, "t", principal: "User:a", .read, .any),
                B.creation(.topic, "ok", principal: "User:a", .read),
            ]), version: 2)
        else {
            Issue.record("not a CreateAcls response")
            return
        }
        let codes = response.results.map { KafkaErrorCode(rawValue: $0.errorCode) }
        #expect(codes == Array(repeating: .invalidRequest, count: 8) + [.none])
        #expect(response.results[0].errorMessage == "Invalid patternType MATCH")
        #expect(response.results[3].errorMessage == "Invalid empty resource name")
        #expect(response.results[4].errorMessage == "The only valid name for the CLUSTER resource is kafka-cluster")
        // Only the valid one was stored.
        #expect(try await Self.describe(broker, Self.everything).resources.map(\.resourceName) == ["ok"])
    }

    @Test func unknownCodesCloseTheConnectionAsKafkasParserDoes() async throws {
        let broker = try B()
        defer { broker.close() }
        var creation = B.creation(.topic, "t", principal: "User:a", .read)
        creation.operation = 99
        guard case .closed = try await broker.answer(CreateAclsRequest(creations: [creation]), version: 3) else {
            Issue.record("CreateAcls with operation 99 was answered")
            return
        }
        var filter = Self.everything
        filter.patternTypeFilter = 42
        guard case .closed = try await broker.answer(filter, version: 3) else {
            Issue.record("DescribeAcls with pattern type 42 was answered")
            return
        }
        filter = Self.everything
        filter.permissionType = 9
        guard case .closed = try await broker.answer(filter, version: 3) else {
            Issue.record("DescribeAcls with permission type 9 was answered")
            return
        }
    }

    @Test func aclApisNeedAlterOrDescribeOnTheCluster() async throws {
        let broker = try B()
        defer { broker.close() }
        #expect(try await broker.createAcls([B.creation(.topic, "t", principal: "User:x", .read)], as: B.alice) == [.clusterAuthorizationFailed])
        #expect(try await Self.describe(broker, Self.everything, as: B.alice).errorCode == KafkaErrorCode.clusterAuthorizationFailed.rawValue)
        // DESCRIBE on the cluster lets alice list ACLs but not change them; ALTER implies DESCRIBE.
        try await broker.createAcls([B.creation(.cluster, "kafka-cluster", principal: "User:alice", .describe)])
        #expect(try await Self.describe(broker, Self.everything, as: B.alice).errorCode == 0)
        #expect(try await broker.createAcls([B.creation(.topic, "t", principal: "User:x", .read)], as: B.alice) == [.clusterAuthorizationFailed])
        try await broker.createAcls([B.creation(.cluster, "kafka-cluster", principal: "User:alice", .alter)])
        #expect(try await broker.createAcls([B.creation(.topic, "t", principal: "User:x", .read)], as: B.alice) == [.none])
    }

    @Test func withoutTheAuthorizerAclApisAnswerSecurityDisabled() async throws {
        let broker = try B { $0.authorizer = AuthorizerConfiguration() }
        defer { broker.close() }
        #expect(try await broker.createAcls([B.creation(.topic, "t", principal: "User:x", .read)]) == [.securityDisabled])
        #expect(try await Self.describe(broker, Self.everything).errorCode == KafkaErrorCode.securityDisabled.rawValue)
    }

    @Test func aclsSurviveARestartAndACorruptFileStopsTheBroker() async throws {
        let broker = try B()
        defer { broker.close() }
        try await broker.createAcls([
            B.creation(.topic, "orders", principal: "User:alice", .write),
            B.creation(.topic, "orders", pattern: .prefixed, principal: "User:*", host: "10.1.1.1", .read, .deny),
        ])
        try broker.restart()
        let after = try await Self.describe(broker, Self.everything)
        #expect(after.resources.count == 2)
        #expect(after.resources.flatMap(\.acls).contains { $0.host == "10.1.1.1" && $0.permissionType == AclPermissionType.deny.rawValue })
        #expect(try await broker.produce("orders", as: B.alice) == .unknownTopicOrPartition)

        // Flip one byte of the last ACL: the CRC catches it and the broker refuses to start.
        var bytes = try broker.directory.contents(of: AclStore.fileName)
        bytes[bytes.count - 3] ^= 0xFF
        try broker.directory.write(bytes, to: AclStore.fileName)
        broker.core.shutdown()
        #expect(throws: BrokerError.self) { try BrokerCore(configuration: broker.core.configuration, logger: B.logger) }
    }
}
