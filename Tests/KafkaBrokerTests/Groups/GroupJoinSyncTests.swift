import KafkaProtocol
import Testing
@testable import KafkaBroker

/// Join and sync as scripts: an event in, the expected answers out (Kafka's classic
/// group protocol, FINDINGS g for the kcat sequence).
@Suite struct GroupJoinSyncTests {
    @Test func firstJoinGetsMemberIdRequiredThenGenerationOneAsLeader() {
        var script = GroupScript()
        let (first, actions) = script.join(GroupScript.joinRequest(protocols: ["range", "roundrobin"]), client: "kcat-cf")
        let required = actions.join(first)!
        #expect(required.errorCode == KafkaErrorCode.memberIdRequired.rawValue)
        #expect(required.generationId == -1 && required.leader == "" && required.members.isEmpty)
        #expect(required.memberId.hasPrefix("kcat-cf-"))
        #expect(script.state.group("g")?.state == .empty)

        let (second, joined) = script.join(
            GroupScript.joinRequest(member: required.memberId, protocols: ["range", "roundrobin"]), client: "kcat-cf")
        let response = joined.join(second)!
        #expect(response.errorCode == 0)
        #expect(response.generationId == 1)
        #expect(response.protocolName == "range")
        #expect(response.protocolType == "consumer")
        #expect(response.leader == required.memberId)
        #expect(response.members.map(\.memberId) == [required.memberId])
        #expect(joined.contains(.storeGroupMetadata(groupID: "g")))
        #expect(script.state.group("g")?.state == .completingRebalance)

        let (sync, synced) = script.sync(member: required.memberId, generation: 1, assignments: [required.memberId: [9, 9]])
        #expect(synced.sync(sync) == SyncGroupResponse(errorCode: 0, protocolType: "consumer", protocolName: "range", assignment: [9, 9]))
        #expect(script.state.group("g")?.state == .stable)
        #expect(script.heartbeat(member: required.memberId, generation: 1) == .none)
    }

    @Test func versionsBeforeFourJoinWithoutTheExtraRoundTrip() {
        var script = GroupScript()
        let (id, actions) = script.join(GroupScript.joinRequest(), version: 3)
        #expect(actions.join(id)?.errorCode == 0)
        #expect(actions.join(id)?.generationId == 1)
    }

    @Test func aSecondMemberTriggersARebalanceAndFollowersWaitForTheLeadersAssignment() {
        var script = GroupScript()
        let (leader, generation) = script.stableSingleMember()
        // The newcomer's JoinGroup (with its member id) parks: the group rebalances.
        let (_, required) = script.join(GroupScript.joinRequest(), client: "c2")
        let followerID = required.joinResponses[0].memberId
        let (followerJoin, parked) = script.join(GroupScript.joinRequest(member: followerID), client: "c2")
        #expect(parked.join(followerJoin) == nil)
        #expect(script.state.group("g")?.state == .preparingRebalance)
        // The leader learns it from its heartbeat, and rejoins: both get generation 2.
        #expect(script.heartbeat(member: leader, generation: generation) == .rebalanceInProgress)
        let (leaderJoin, completed) = script.join(GroupScript.joinRequest(member: leader))
        let leaderResponse = completed.join(leaderJoin)!
        let followerResponse = completed.join(followerJoin)!
        #expect(leaderResponse.generationId == generation + 1 && followerResponse.generationId == generation + 1)
        #expect(leaderResponse.leader == leader && followerResponse.leader == leader)
        #expect(Set(leaderResponse.members.map(\.memberId)) == [leader, followerID])
        #expect(followerResponse.members.isEmpty)

        // The follower's SyncGroup parks until the leader's arrives.
        let (followerSync, waiting) = script.sync(member: followerID, generation: generation + 1)
        #expect(waiting.sync(followerSync) == nil)
        let (leaderSync, assigned) = script.sync(
            member: leader, generation: generation + 1, assignments: [leader: [1], followerID: [2]])
        #expect(assigned.sync(leaderSync)?.assignment == [1])
        #expect(assigned.sync(followerSync)?.assignment == [2])
        #expect(script.state.group("g")?.state == .stable)
    }

    @Test func protocolIsTheOneEveryMemberSupportsByPreference() {
        var script = GroupScript()
        let (first, _) = script.join(GroupScript.joinRequest(protocols: ["range", "roundrobin"]), version: 3, client: "a")
        _ = first
        let memberA = script.state.group("g")!.memberOrder[0]
        _ = script.sync(member: memberA, generation: 1)
        let (joinB, parked) = script.join(GroupScript.joinRequest(protocols: ["roundrobin"]), version: 3, client: "b")
        #expect(parked.join(joinB) == nil)
        let (joinA, done) = script.join(GroupScript.joinRequest(member: memberA, protocols: ["range", "roundrobin"]), version: 3)
        #expect(done.join(joinA)?.protocolName == "roundrobin")
        #expect(done.join(joinB)?.protocolName == "roundrobin")
        // A member with no protocol in common is refused.
        let (joinC, refused) = script.join(GroupScript.joinRequest(protocols: ["sticky"]), version: 3, client: "c")
        #expect(refused.join(joinC)?.errorCode == KafkaErrorCode.inconsistentGroupProtocol.rawValue)
        let (joinD, otherType) = script.join(GroupScript.joinRequest(protocolType: "connect"), version: 3, client: "d")
        #expect(otherType.join(joinD)?.errorCode == KafkaErrorCode.inconsistentGroupProtocol.rawValue)
    }

    @Test func requestErrors() {
        var script = GroupScript()
        let (tooShort, a) = script.join(GroupScript.joinRequest(session: 5999))
        #expect(a.join(tooShort)?.errorCode == KafkaErrorCode.invalidSessionTimeout.rawValue)
        let (tooLong, b) = script.join(GroupScript.joinRequest(session: 1_800_001))
        #expect(b.join(tooLong)?.errorCode == KafkaErrorCode.invalidSessionTimeout.rawValue)
        let (noGroup, c) = script.join(GroupScript.joinRequest(group: ""))
        #expect(c.join(noGroup)?.errorCode == KafkaErrorCode.invalidGroupId.rawValue)
        let (unknown, d) = script.join(GroupScript.joinRequest(group: "other", member: "ghost"))
        #expect(d.join(unknown)?.errorCode == KafkaErrorCode.unknownMemberId.rawValue)
        #expect(script.state.group("other") == nil)
        #expect(script.heartbeat(group: "other", member: "ghost", generation: 1) == .unknownMemberId)
        let (sync, e) = script.sync(group: "other", member: "ghost", generation: 1)
        #expect(e.sync(sync)?.errorCode == KafkaErrorCode.unknownMemberId.rawValue)

        let (member, generation) = script.stableSingleMember()
        #expect(script.heartbeat(member: member, generation: generation + 1) == .illegalGeneration)
        #expect(script.heartbeat(member: "ghost", generation: generation) == .unknownMemberId)
        let (badSync, f) = script.sync(member: member, generation: generation - 1)
        #expect(f.sync(badSync)?.errorCode == KafkaErrorCode.illegalGeneration.rawValue)
    }

    @Test func followerRejoiningUnchangedInStableGetsTheCurrentGenerationAtOnce() {
        var script = GroupScript()
        let (leader, _) = script.stableSingleMember()
        let (_, r) = script.join(GroupScript.joinRequest(), client: "c2")
        let follower = r.joinResponses[0].memberId
        let (fj, _) = script.join(GroupScript.joinRequest(member: follower), client: "c2")
        let (lj, done) = script.join(GroupScript.joinRequest(member: leader))
        let generation = done.join(lj)!.generationId
        #expect(done.join(fj)?.generationId == generation)
        _ = script.sync(member: leader, generation: generation, assignments: [leader: [1], follower: [2]])
        let (again, answer) = script.join(GroupScript.joinRequest(member: follower), client: "c2")
        #expect(answer.join(again)?.generationId == generation)
        #expect(script.state.group("g")?.state == .stable)
        // The follower's SyncGroup in Stable returns its assignment at once.
        let (sync, synced) = script.sync(member: follower, generation: generation)
        #expect(synced.sync(sync)?.assignment == [2])
    }
}
