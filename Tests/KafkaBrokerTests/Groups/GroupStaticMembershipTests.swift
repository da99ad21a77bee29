import KafkaProtocol
import Testing
@testable import KafkaBroker

/// KIP-345 static membership: group.instance.id.
@Suite struct GroupStaticMembershipTests {
    static func stableStatic(_ script: inout GroupScript, instance: String = "i1") -> (String, Int32) {
        let (join, actions) = script.join(GroupScript.joinRequest(instance: instance), version: 5)
        let response = actions.join(join)!
        // No MEMBER_ID_REQUIRED for a static member, even at v4+.
        #expect(response.errorCode == 0)
        #expect(response.memberId.hasPrefix(instance + "-"))
        _ = script.sync(member: response.memberId, generation: response.generationId, assignments: [response.memberId: [7]], instance: instance)
        return (response.memberId, response.generationId)
    }

    @Test func aStaticMemberRejoiningWithANewIdReplacesTheOldOneWithoutARebalance() {
        var script = GroupScript()
        let (old, generation) = Self.stableStatic(&script)
        let (join, actions) = script.join(GroupScript.joinRequest(instance: "i1"), version: 5)
        let response = actions.join(join)!
        #expect(response.errorCode == 0)
        #expect(response.memberId != old)
        #expect(response.generationId == generation)
        #expect(response.leader == old)  // before v9 the previous leader id, so it does not reassign
        #expect(script.state.group("g")?.state == .stable)
        #expect(script.state.group("g")?.members.count == 1)
        // The old id is fenced; the new one heartbeats and keeps its assignment.
        #expect(script.heartbeat(member: old, generation: generation, instance: "i1") == .fencedInstanceId)
        #expect(script.heartbeat(member: response.memberId, generation: generation, instance: "i1") == .none)
        let (sync, synced) = script.sync(member: response.memberId, generation: generation, instance: "i1")
        #expect(synced.sync(sync)?.assignment == [7])
    }

    @Test func atVersionNineTheRejoiningLeaderIsToldToSkipTheAssignment() {
        var script = GroupScript()
        _ = Self.stableStatic(&script)
        let (join, actions) = script.join(GroupScript.joinRequest(instance: "i1"), version: 9)
        let response = actions.join(join)!
        #expect(response.skipAssignment)
        #expect(response.leader == response.memberId)
        #expect(response.members.count == 1)
    }

    @Test func aStaticMemberWithChangedProtocolsTriggersARebalance() {
        var script = GroupScript()
        let (_, generation) = Self.stableStatic(&script)
        // The member now prefers roundrobin (range alone would be INCONSISTENT_GROUP_PROTOCOL:
        // the group supports only range). Alone in the group, the rebalance completes at once.
        let (join, actions) = script.join(GroupScript.joinRequest(instance: "i1", protocols: ["roundrobin", "range"]), version: 5)
        #expect(actions.join(join)?.generationId == generation + 1)
        #expect(actions.join(join)?.protocolName == "roundrobin")
    }

    @Test func staticMembersWhoDoNotRejoinStayUntilTheirSessionExpires() {
        var script = GroupScript()
        let (join, first) = script.join(GroupScript.joinRequest(instance: "i1", session: 60_000, rebalance: 30_000), version: 5)
        let staticID = first.join(join)!.memberId
        _ = script.sync(member: staticID, generation: 1, assignments: [staticID: [7]], instance: "i1")
        let (_, r) = script.join(GroupScript.joinRequest(rebalance: 30_000), client: "dyn")
        let dynamicID = r.joinResponses[0].memberId
        let (dj, parked) = script.join(GroupScript.joinRequest(member: dynamicID, rebalance: 30_000), client: "dyn")
        #expect(parked.join(dj) == nil)
        // The static member neither rejoins nor heartbeats. At the rebalance timeout the
        // join completes without it, the newcomer leads, and the static member is still a
        // member (KIP-345: a restart must not cost a rebalance)...
        let done = script.advance(30_000)
        #expect(done.join(dj)?.generationId == 2)
        #expect(done.join(dj)?.leader == dynamicID)
        #expect(Set(done.join(dj)?.members.map(\.memberId) ?? []) == [staticID, dynamicID])
        #expect(script.state.group("g")?.members[staticID] != nil)
        _ = script.sync(member: dynamicID, generation: 2, assignments: [dynamicID: [1], staticID: [2]])
        #expect(script.heartbeat(member: dynamicID, generation: 2) == .none)
        // ...until the pending-sync timeout: a member of the new generation that never
        // sends SyncGroup within the rebalance timeout is removed, static or not.
        for _ in 0..<5 {
            _ = script.advance(5_000)
            #expect(script.heartbeat(member: dynamicID, generation: 2) == .none)
        }
        _ = script.advance(4_999)
        #expect(script.state.group("g")?.members[staticID] != nil)
        _ = script.advance(1)
        #expect(script.state.group("g")?.members[staticID] == nil)
        #expect(script.state.group("g")?.staticMembers["i1"] == nil)
        #expect(script.state.group("g")?.state == .preparingRebalance)
    }

    @Test func leaveByInstanceIdAloneRemovesTheStaticMember() {
        var script = GroupScript()
        let (member, _) = Self.stableStatic(&script)
        let (_, responses, _) = script.state.leave(
            groupID: "g", members: [.init(memberId: "", groupInstanceId: "i1"), .init(memberId: "", groupInstanceId: "i2")],
            now: script.now)
        #expect(responses.map(\.errorCode) == [0, KafkaErrorCode.unknownMemberId.rawValue])
        #expect(script.state.group("g")?.members[member] == nil)
        #expect(script.state.group("g")?.state == .empty)
    }

    @Test func aFencedInstanceCannotLeaveOrSync() {
        var script = GroupScript()
        let (member, generation) = Self.stableStatic(&script)
        let (_, responses, _) = script.state.leave(
            groupID: "g", members: [.init(memberId: "other", groupInstanceId: "i1")], now: script.now)
        #expect(responses.map(\.errorCode) == [KafkaErrorCode.fencedInstanceId.rawValue])
        let (sync, synced) = script.sync(member: "other", generation: generation, instance: "i1")
        #expect(synced.sync(sync)?.errorCode == KafkaErrorCode.fencedInstanceId.rawValue)
        #expect(script.state.group("g")?.members[member] != nil)
    }
}
