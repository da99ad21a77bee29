import KafkaProtocol
import Testing
@testable import KafkaBroker

/// Offset commit rules, fetch, delete, expiry, and the admin views (list, describe,
/// delete groups) on the pure state.
@Suite struct GroupOffsetsTests {
    static func entry(_ topic: String = "t", _ partition: Int32 = 0, _ offset: Int64 = 5, metadata: String? = nil)
        -> GroupCoordinatorState.OffsetToCommit
    {
        .init(partition: TopicPartition(topic: topic, partition: partition), offset: offset, leaderEpoch: -1, metadata: metadata)
    }

    static func commit(
        _ script: inout GroupScript, group: String = "g", member: String = "", generation: Int32 = -1, version: Int16 = 9,
        retention: Int64 = -1, _ entries: [GroupCoordinatorState.OffsetToCommit] = [entry()]
    ) -> GroupCoordinatorState.CommitPlan {
        let plan = script.state.planCommit(
            groupID: group, memberID: member, instanceID: nil, generationID: generation, retentionTimeMs: retention,
            version: version, partitions: entries, now: script.now)
        script.state.applyCommit(plan, groupID: group, memberID: member, now: script.now)
        return plan
    }

    @Test func aSimpleConsumerCommitsToAGroupThatDoesNotExistYet() {
        var script = GroupScript()
        let plan = Self.commit(&script, [Self.entry(metadata: nil), Self.entry("t", 1, 7, metadata: "m")])
        #expect(plan.error == nil)
        let fetched = script.state.fetchOffsets(groupID: "g", partitions: [.init(topic: "t", partition: 0), .init(topic: "t", partition: 2)])
        #expect(fetched[0].1?.offset == 5 && fetched[0].1?.metadata == "")
        #expect(fetched[1].1 == nil)
        #expect(script.state.fetchOffsets(groupID: "g", partitions: nil).map(\.1?.offset) == [5, 7])
        #expect(script.state.group("g")?.protocolType == nil)
        #expect(script.state.fetchOffsets(groupID: "none", partitions: nil).isEmpty)
    }

    @Test func memberCommitsAreCheckedAgainstTheGroup() {
        var script = GroupScript()
        #expect(Self.commit(&script, group: "x", member: "m", generation: 1, version: 9).error == .groupIdNotFound)
        #expect(Self.commit(&script, group: "x", member: "m", generation: 1, version: 7).error == .illegalGeneration)
        let (member, generation) = script.stableSingleMember()
        #expect(Self.commit(&script, member: member, generation: generation).error == nil)
        #expect(Self.commit(&script, member: member, generation: generation + 1).error == .illegalGeneration)
        #expect(Self.commit(&script, member: "ghost", generation: generation).error == .unknownMemberId)
        // A simple commit to a group with members is refused.
        #expect(Self.commit(&script).error == .unknownMemberId)
        #expect(Self.commit(&script, member: member, generation: generation, [Self.entry(metadata: String(repeating: "x", count: 4097))])
            .partitionErrors.values.first == .offsetMetadataTooLarge)
    }

    @Test func aCommitBetweenJoinAndSyncGetsRebalanceInProgress() {
        var script = GroupScript()
        let (join, actions) = script.join(GroupScript.joinRequest(), version: 3)
        let response = actions.join(join)!
        #expect(script.state.group("g")?.state == .completingRebalance)
        #expect(Self.commit(&script, member: response.memberId, generation: response.generationId).error == .rebalanceInProgress)
    }

    @Test func explicitRetentionAndEmptyGroupRetentionExpireOffsets() {
        var script = GroupScript { $0.offsetsRetention = .seconds(100) }
        _ = Self.commit(&script, group: "simple", version: 2, retention: 10_000, [Self.entry()])
        _ = Self.commit(&script, group: "simple", version: 2, retention: -1, [Self.entry("u")])
        let (member, generation) = script.stableSingleMember()
        _ = Self.commit(&script, member: member, generation: generation)
        script.now += 10_000
        #expect(script.state.expireOffsets(now: script.now) == [.offsetDelete(groupID: "simple", partition: .init(topic: "t", partition: 0))])
        // The consumer group's offsets stay while it has members...
        _ = script.heartbeat(member: member, generation: generation)
        _ = script.advance(10_000)  // ...its member's session ends: Empty from now
        #expect(script.state.group("g")?.state == .empty)
        script.now += 99_999
        #expect(script.state.expireOffsets(now: script.now).isEmpty == false)  // simple/u (100 s after commit)
        script.now += 1
        let tombstones = script.state.expireOffsets(now: script.now)
        #expect(tombstones.contains(.offsetDelete(groupID: "g", partition: .init(topic: "t", partition: 0))))
        #expect(tombstones.contains(.groupDelete(groupID: "g")))
        #expect(script.state.group("g") == nil)
    }

    @Test func offsetDeleteKeepsSubscribedTopicsOfAConsumerGroup() {
        var script = GroupScript()
        let (member, generation) = script.stableSingleMember()
        _ = Self.commit(&script, member: member, generation: generation, [Self.entry("t"), Self.entry("other")])
        let plan = script.state.planOffsetDelete(groupID: "g", partitions: [.init(topic: "t", partition: 0), .init(topic: "other", partition: 0)])
        #expect(plan.error == .none)
        #expect(plan.partitionErrors[.init(topic: "t", partition: 0)] == .groupSubscribedToTopic)
        #expect(plan.partitionErrors[.init(topic: "other", partition: 0)] == KafkaErrorCode.none)
        #expect(plan.records == [.offsetDelete(groupID: "g", partition: .init(topic: "other", partition: 0))])
        #expect(script.state.planOffsetDelete(groupID: "none", partitions: []).error == .groupIdNotFound)
    }

    @Test func listDescribeAndDelete() {
        var script = GroupScript()
        let (member, _) = script.stableSingleMember()
        _ = Self.commit(&script, group: "simple")
        #expect(script.state.listGroups(states: [], types: []).map(\.groupId) == ["g", "simple"])
        #expect(script.state.listGroups(states: ["stable"], types: []).map(\.groupId) == ["g"])
        #expect(script.state.listGroups(states: [], types: ["consumer"]).isEmpty)
        #expect(script.state.listGroups(states: [], types: ["Classic"]).count == 2)
        let described = script.state.describeGroup("g", version: 5, includeOperations: false)
        #expect(described.groupState == "Stable" && described.protocolData == "range" && described.protocolType == "consumer")
        #expect(described.members.map(\.memberId) == [member])
        #expect(described.members[0].memberAssignment == [1])
        #expect(described.members[0].clientHost == "/127.0.0.1")
        let missing5 = script.state.describeGroup("none", version: 5, includeOperations: false)
        #expect(missing5.errorCode == 0 && missing5.groupState == "Dead")
        #expect(script.state.describeGroup("none", version: 6, includeOperations: false).errorCode == KafkaErrorCode.groupIdNotFound.rawValue)
        #expect(script.state.deleteGroupError("g") == .nonEmptyGroup)
        #expect(script.state.deleteGroupError("none") == .groupIdNotFound)
        #expect(script.state.deleteGroupError("simple") == nil)
    }
}
