import KafkaProtocol
import NIOCore
import Testing
@testable import KafkaBroker

/// What each API checks with the authorizer on, through the request router, as
/// `User:alice` (no ACLs unless the test creates them) and `User:admin` (super user).
@Suite struct AuthorizationTests {
    typealias B = AuthorizedBroker

    @Test func produceNeedsWriteOnTheTopicAndAppendsNothingWhenRefused() async throws {
        let broker = try B()
        defer { broker.close() }
        try broker.createTopic("orders")
        #expect(try await broker.produce("orders", as: B.alice) == .topicAuthorizationFailed)
        #expect(broker.logEndOffset("orders") == 0)
        // A missing topic is not disclosed either.
        #expect(try await broker.produce("missing", as: B.alice) == .topicAuthorizationFailed)

        try await broker.createAcls([B.creation(.topic, "orders", principal: "User:alice", .write)])
        #expect(try await broker.produce("orders", as: B.alice) == .none)
        #expect(broker.logEndOffset("orders") == 2)

        // DENY beats the ALLOW, even through User:* and a prefix.
        try await broker.createAcls([B.creation(.topic, "ord", pattern: .prefixed, principal: "User:*", .write, .deny)])
        #expect(try await broker.produce("orders", as: B.alice) == .topicAuthorizationFailed)
        #expect(broker.logEndOffset("orders") == 2)
        // The super user bypasses it.
        #expect(try await broker.produce("orders", as: B.admin) == .none)
        #expect(broker.logEndOffset("orders") == 4)
    }

    @Test func aclHostsAreMatchedAgainstTheClientAddress() async throws {
        let broker = try B()
        defer { broker.close() }
        try broker.createTopic("t")
        try await broker.createAcls([B.creation(.topic, "t", principal: "User:alice", host: "10.0.0.7", .write)])
        guard case .produce(let from7) = try await broker.send(Self.produceRequest("t"), version: 9, as: B.alice, host: "10.0.0.7"),
            case .produce(let from8) = try await broker.send(Self.produceRequest("t"), version: 9, as: B.alice, host: "10.0.0.8")
        else {
            Issue.record("not Produce responses")
            return
        }
        #expect(from7.responses[0].partitionResponses[0].errorCode == 0)
        #expect(from8.responses[0].partitionResponses[0].errorCode == KafkaErrorCode.topicAuthorizationFailed.rawValue)
    }

    static func produceRequest(_ topic: String) throws -> ProduceRequest {
        var builder = RecordBatchBuilder(baseTimestamp: -1)
        builder.append(key: nil, value: ByteBuffer(string: "v"), timestampDelta: 0, offsetDelta: 0)
        return ProduceRequest(
            acks: 1, timeoutMs: 1000, topicData: [.init(name: topic, partitionData: [.init(index: 0, records: try builder.build().bytes)])])
    }

    @Test func transactionalProduceNeedsWriteOnTheTransactionalID() async throws {
        let broker = try B()
        defer { broker.close() }
        try broker.createTopic("t")
        try await broker.createAcls([B.creation(.topic, "t", principal: "User:alice", .write)])
        var builder = RecordBatchBuilder(baseTimestamp: -1, producerId: 5, producerEpoch: 0, baseSequence: 0, isTransactional: true)
        builder.append(key: nil, value: ByteBuffer(string: "v"), timestampDelta: 0, offsetDelta: 0)
        let request = ProduceRequest(
            transactionalId: "tx", acks: -1, timeoutMs: 1000,
            topicData: [.init(name: "t", partitionData: [.init(index: 0, records: try builder.build().bytes)])])
        guard case .produce(let response) = try await broker.send(request, version: 9, as: B.alice) else {
            Issue.record("not a Produce response")
            return
        }
        #expect(response.responses[0].partitionResponses[0].errorCode == KafkaErrorCode.transactionalIdAuthorizationFailed.rawValue)
        #expect(broker.logEndOffset("t") == 0)
    }

    @Test func transactionAPIsNeedWriteOnTheTransactionalIDAndItsTopics() async throws {
        let broker = try B()
        defer { broker.close() }
        try broker.createTopic("t")
        func addPartitions() async throws -> KafkaErrorCode {
            let request = AddPartitionsToTxnRequest(
                v3AndBelowTransactionalId: "tx", v3AndBelowProducerId: 0, v3AndBelowProducerEpoch: 0,
                v3AndBelowTopics: [.init(name: "t", partitions: [0])])
            guard case .addPartitionsToTxn(let response) = try await broker.send(request, version: 3, as: B.alice) else {
                throw B.Unexpected(description: "not an AddPartitionsToTxn response")
            }
            return KafkaErrorCode(rawValue: response.resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode)
        }
        func endTransaction() async throws -> KafkaErrorCode {
            let request = EndTxnRequest(transactionalId: "tx", producerId: 0, producerEpoch: 0, committed: true)
            guard case .endTxn(let response) = try await broker.send(request, version: 3, as: B.alice) else {
                throw B.Unexpected(description: "not an EndTxn response")
            }
            return KafkaErrorCode(rawValue: response.errorCode)
        }
        func listed() async throws -> [String] {
            guard case .listTransactions(let response) = try await broker.send(ListTransactionsRequest(), version: 1, as: B.alice)
            else { throw B.Unexpected(description: "not a ListTransactions response") }
            return response.transactionStates.map(\.transactionalId)
        }
        #expect(try await addPartitions() == .transactionalIdAuthorizationFailed)
        #expect(try await endTransaction() == .transactionalIdAuthorizationFailed)
        try await broker.createAcls([B.creation(.transactionalID, "tx", principal: "User:alice", .write)])
        #expect(try await addPartitions() == .topicAuthorizationFailed, "WRITE on the topic is needed too")
        #expect(try await endTransaction() != .transactionalIdAuthorizationFailed)

        // A transaction alice may not DESCRIBE is left out of ListTransactions.
        let initRequest = InitProducerIdRequest(transactionalId: "other", transactionTimeoutMs: 60_000)
        _ = try await broker.send(initRequest, version: 4)
        #expect(try await listed().contains("other") == false)
    }

    @Test func metadataHidesTopicsThePrincipalCannotDescribe() async throws {
        let broker = try B { $0.autoCreateTopics = true }
        defer { broker.close() }
        try broker.createTopic("visible")
        try broker.createTopic("hidden")
        try await broker.createAcls([B.creation(.topic, "visible", principal: "User:alice", .read)])

        func metadata(_ topics: [String]?, includeOperations: Bool = false) async throws -> MetadataResponse {
            let request = MetadataRequest(
                topics: topics?.map { .init(name: $0) }, allowAutoTopicCreation: true,
                includeTopicAuthorizedOperations: includeOperations)
            guard case .metadata(let response) = try await broker.send(request, version: 12, as: B.alice) else {
                throw B.Unexpected(description: "not a Metadata response")
            }
            return response
        }
        let all = try await metadata(nil, includeOperations: true)
        #expect(all.topics.map(\.name) == ["visible"])
        // READ implies DESCRIBE; nothing else was granted.
        #expect(all.topics[0].topicAuthorizedOperations == (1 << 3) | (1 << 8))

        let named = try await metadata(["visible", "hidden", "nowhere"])
        let codes = Dictionary(uniqueKeysWithValues: named.topics.map { ($0.name ?? "", KafkaErrorCode(rawValue: $0.errorCode)) })
        #expect(codes == ["visible": .none, "hidden": .topicAuthorizationFailed, "nowhere": .topicAuthorizationFailed])
        #expect(broker.core.metadata.topic("nowhere") == nil)

        // DESCRIBE without CREATE: the missing topic is not auto-created.
        try await broker.createAcls([B.creation(.topic, "new-", pattern: .prefixed, principal: "User:alice", .describe)])
        #expect(try await metadata(["new-a"]).topics[0].errorCode == KafkaErrorCode.topicAuthorizationFailed.rawValue)
        #expect(broker.core.metadata.topic("new-a") == nil)
        try await broker.createAcls([B.creation(.topic, "new-", pattern: .prefixed, principal: "User:alice", .create)])
        #expect(try await metadata(["new-a"]).topics[0].errorCode == KafkaErrorCode.leaderNotAvailable.rawValue)
        #expect(broker.core.metadata.topic("new-a") != nil)
    }

    @Test func fetchNeedsReadAndListOffsetsDescribe() async throws {
        let broker = try B()
        defer { broker.close() }
        try broker.createTopic("t")
        #expect(try await broker.produce("t", as: B.admin) == .none)
        let fetch = FetchRequest(
            maxWaitMs: 0, minBytes: 1, topics: [.init(topic: "t", partitions: [.init(partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20)])])
        let listOffsets = ListOffsetsRequest(replicaId: -1, topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, timestamp: -1)])])

        func fetchError() async throws -> KafkaErrorCode {
            guard case .fetch(let response) = try await broker.send(fetch, version: 11, as: B.alice) else {
                throw B.Unexpected(description: "not a Fetch response")
            }
            return KafkaErrorCode(rawValue: response.responses[0].partitions[0].errorCode)
        }
        func listOffsetsError() async throws -> KafkaErrorCode {
            guard case .listOffsets(let response) = try await broker.send(listOffsets, version: 5, as: B.alice) else {
                throw B.Unexpected(description: "not a ListOffsets response")
            }
            return KafkaErrorCode(rawValue: response.topics[0].partitions[0].errorCode)
        }
        #expect(try await fetchError() == .topicAuthorizationFailed)
        #expect(try await listOffsetsError() == .topicAuthorizationFailed)
        try await broker.createAcls([B.creation(.topic, "t", principal: "User:alice", .describe)])
        #expect(try await listOffsetsError() == .none)
        #expect(try await fetchError() == .topicAuthorizationFailed)
        try await broker.createAcls([B.creation(.topic, "t", principal: "User:alice", .read)])
        #expect(try await fetchError() == .none)

        // As a follower (replica id 1) alice needs CLUSTER_ACTION instead.
        var fromFollower = fetch
        fromFollower.replicaId = 1
        guard case .fetch(let refused) = try await broker.send(fromFollower, version: 11, as: B.alice) else {
            Issue.record("not a Fetch response")
            return
        }
        #expect(refused.responses[0].partitions[0].errorCode == KafkaErrorCode.topicAuthorizationFailed.rawValue)
    }

    @Test func topicAdministrationNeedsCreateDeleteAlterAndConfigRights() async throws {
        let broker = try B()
        defer { broker.close() }
        func create(_ name: String) async throws -> KafkaErrorCode {
            let request = CreateTopicsRequest(topics: [.init(name: name, numPartitions: 1, replicationFactor: 1)], timeoutMs: 1000)
            guard case .createTopics(let response) = try await broker.send(request, version: 7, as: B.alice) else {
                throw B.Unexpected(description: "not a CreateTopics response")
            }
            return KafkaErrorCode(rawValue: response.topics[0].errorCode)
        }
        #expect(try await create("a-1") == .topicAuthorizationFailed)
        #expect(broker.core.metadata.topic("a-1") == nil)
        try await broker.createAcls([B.creation(.topic, "a-", pattern: .prefixed, principal: "User:alice", .create)])
        #expect(try await create("a-1") == .none)
        #expect(try await create("b-1") == .topicAuthorizationFailed)
        try await broker.createAcls([B.creation(.cluster, "kafka-cluster", principal: "User:alice", .create)])
        #expect(try await create("b-1") == .none)

        func delete(_ name: String) async throws -> KafkaErrorCode {
            guard case .deleteTopics(let response) = try await broker.send(
                DeleteTopicsRequest(topicNames: [name], timeoutMs: 1000), version: 5, as: B.alice)
            else { throw B.Unexpected(description: "not a DeleteTopics response") }
            return KafkaErrorCode(rawValue: response.responses[0].errorCode)
        }
        #expect(try await delete("a-1") == .topicAuthorizationFailed)
        #expect(broker.core.metadata.topic("a-1") != nil)
        try await broker.createAcls([B.creation(.topic, "a-1", principal: "User:alice", .delete)])
        #expect(try await delete("a-1") == .none)
        #expect(broker.core.metadata.topic("a-1") == nil)

        let partitions = CreatePartitionsRequest(topics: [.init(name: "b-1", count: 2, assignments: nil)], timeoutMs: 1000)
        guard case .createPartitions(let grown) = try await broker.send(partitions, version: 3, as: B.alice) else {
            Issue.record("not a CreatePartitions response")
            return
        }
        #expect(grown.results[0].errorCode == KafkaErrorCode.topicAuthorizationFailed.rawValue)
        #expect(broker.core.metadata.topic("b-1")?.partitions.count == 1)

        let describe = DescribeConfigsRequest(resources: [
            .init(resourceType: 2, resourceName: "b-1", configurationKeys: nil), .init(resourceType: 4, resourceName: "1", configurationKeys: nil),
        ])
        guard case .describeConfigs(let configs) = try await broker.send(describe, version: 4, as: B.alice) else {
            Issue.record("not a DescribeConfigs response")
            return
        }
        #expect(configs.results.map { KafkaErrorCode(rawValue: $0.errorCode) } == [.topicAuthorizationFailed, .clusterAuthorizationFailed])
    }

    @Test func initProducerIdNeedsIdempotentWriteOrWriteOnSomeTopic() async throws {
        let broker = try B()
        defer { broker.close() }
        func initProducer(_ transactionalID: String?) async throws -> KafkaErrorCode {
            let request = InitProducerIdRequest(transactionalId: transactionalID, transactionTimeoutMs: 60_000)
            guard case .initProducerId(let response) = try await broker.send(request, version: 4, as: B.alice) else {
                throw B.Unexpected(description: "not an InitProducerId response")
            }
            return KafkaErrorCode(rawValue: response.errorCode)
        }
        #expect(try await initProducer(nil) == .clusterAuthorizationFailed)
        #expect(try await initProducer("tx") == .transactionalIdAuthorizationFailed)
        try await broker.createAcls([B.creation(.topic, "some-topic", principal: "User:alice", .write)])
        #expect(try await initProducer(nil) == .none)
        try await broker.createAcls([B.creation(.transactionalID, "tx", principal: "User:alice", .write)])
        #expect(try await initProducer("tx") != .transactionalIdAuthorizationFailed)
    }

    @Test func groupApisNeedGroupAndTopicRights() async throws {
        let broker = try B()
        defer { broker.close() }
        try broker.createTopic("t")
        let join = JoinGroupRequest(
            groupId: "g", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: "", protocolType: "consumer",
            protocols: [.init(name: "range", metadata: [])])
        guard case .joinGroup(let refused) = try await broker.send(join, version: 5, as: B.alice) else {
            Issue.record("not a JoinGroup response")
            return
        }
        #expect(refused.errorCode == KafkaErrorCode.groupAuthorizationFailed.rawValue)

        let commit = OffsetCommitRequest(
            groupId: "g", topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, committedOffset: 1)])])
        func commitError() async throws -> KafkaErrorCode {
            guard case .offsetCommit(let response) = try await broker.send(commit, version: 8, as: B.alice) else {
                throw B.Unexpected(description: "not an OffsetCommit response")
            }
            return KafkaErrorCode(rawValue: response.topics[0].partitions[0].errorCode)
        }
        #expect(try await commitError() == .groupAuthorizationFailed)
        try await broker.createAcls([B.creation(.group, "g", principal: "User:alice", .read)])
        #expect(try await commitError() == .topicAuthorizationFailed)
        try await broker.createAcls([B.creation(.topic, "t", principal: "User:alice", .read)])
        #expect(try await commitError() == .none)

        // The admin's group is listed to alice only once she may DESCRIBE it.
        try await broker.createAcls([B.creation(.group, "other", principal: "User:bob", .read)])
        let otherCommit = OffsetCommitRequest(
            groupId: "other", topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, committedOffset: 1)])])
        _ = try await broker.send(otherCommit, version: 8, as: B.admin)
        guard case .listGroups(let listed) = try await broker.send(ListGroupsRequest(), version: 4, as: B.alice),
            case .listGroups(let listedByAdmin) = try await broker.send(ListGroupsRequest(), version: 4, as: B.admin),
            case .describeGroups(let described) = try await broker.send(
                DescribeGroupsRequest(groups: ["g", "other"]), version: 5, as: B.alice)
        else {
            Issue.record("unexpected responses")
            return
        }
        #expect(listed.groups.map(\.groupId) == ["g"])
        #expect(Set(listedByAdmin.groups.map(\.groupId)) == ["g", "other"])
        #expect(described.groups.map { KafkaErrorCode(rawValue: $0.errorCode) } == [.none, .groupAuthorizationFailed])

        let find = FindCoordinatorRequest(keyType: 0, coordinatorKeys: ["g", "other"])
        guard case .findCoordinator(let found) = try await broker.send(find, version: 4, as: B.alice) else {
            Issue.record("not a FindCoordinator response")
            return
        }
        #expect(found.coordinators.map { KafkaErrorCode(rawValue: $0.errorCode) } == [.none, .groupAuthorizationFailed])
    }

    @Test func describeClusterReportsTheClustersAuthorizedOperations() async throws {
        let broker = try B()
        defer { broker.close() }
        try await broker.createAcls([B.creation(.cluster, "kafka-cluster", principal: "User:alice", .alter)])
        guard case .describeCluster(let response) = try await broker.send(
            DescribeClusterRequest(includeClusterAuthorizedOperations: true), version: 1, as: B.alice)
        else {
            Issue.record("not a DescribeCluster response")
            return
        }
        #expect(response.clusterAuthorizedOperations == (1 << 7) | (1 << 8))
    }

    @Test func withTheAuthorizerOffEveryoneMayDoEverything() async throws {
        let broker = try B { $0.authorizer = AuthorizerConfiguration() }
        defer { broker.close() }
        try broker.createTopic("t")
        #expect(try await broker.produce("t", as: B.alice) == .none)
        #expect(broker.logEndOffset("t") == 2)
    }
}
