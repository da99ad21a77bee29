import KafkaProtocol
import Testing
@testable import KafkaBroker

/// Session, rebalance, pending-member and pending-sync timeouts, driven by a hand-moved
/// clock, and LeaveGroup.
@Suite struct GroupTimeoutTests {
    /// Two members, Stable. Returns (leader, follower, generation).
    static func twoMembers(_ script: inout GroupScript, session: Int32 = 10_000, rebalance: Int32 = 30_000)
        -> (String, String, Int32)
    {
        let (_, a) = script.join(GroupScript.joinRequest(session: session, rebalance: rebalance), version: 3, client: "a")
        let leader = a.joinResponses[0].memberId
        _ = script.sync(member: leader, generation: 1, assignments: [leader: [1]])
        let (fj, _) = script.join(GroupScript.joinRequest(session: session, rebalance: rebalance), version: 3, client: "b")
        let (lj, done) = script.join(GroupScript.joinRequest(member: leader, session: session, rebalance: rebalance), version: 3)
        let follower = done.join(fj)!.memberId
        let generation = done.join(lj)!.generationId
        let (fs, _) = script.sync(member: follower, generation: generation)
        let (_, synced) = script.sync(member: leader, generation: generation, assignments: [leader: [1], follower: [2]])
        #expect(synced.sync(fs)?.assignment == [2])
        return (leader, follower, generation)
    }

    @Test func aMemberThatStopsHeartbeatingIsRemovedAfterItsSessionTimeout() {
        var script = GroupScript()
        let (leader, follower, generation) = Self.twoMembers(&script)
        // The leader keeps heartbeating, the follower does not.
        for _ in 0..<2 {
            _ = script.advance(4_000)
            #expect(script.heartbeat(member: leader, generation: generation) == .none)
        }
        #expect(script.state.group("g")?.members[follower] != nil)
        _ = script.advance(2_000)
        #expect(script.state.group("g")?.members[follower] == nil)
        #expect(script.state.group("g")?.state == .preparingRebalance)
        #expect(script.heartbeat(member: follower, generation: generation) == .unknownMemberId)
        #expect(script.heartbeat(member: leader, generation: generation) == .rebalanceInProgress)
        let (join, done) = script.join(GroupScript.joinRequest(member: leader), version: 3)
        #expect(done.join(join)?.generationId == generation + 1)
        #expect(done.join(join)?.members.map(\.memberId) == [leader])
    }

    @Test func aLoneMemberExpiringLeavesTheGroupEmptyWithANewGeneration() {
        var script = GroupScript()
        let (member, generation) = script.stableSingleMember()
        let actions = script.advance(10_000)
        #expect(script.state.group("g")?.state == .empty)
        #expect(script.state.group("g")?.generationID == generation + 1)
        #expect(actions.contains(.storeGroupMetadata(groupID: "g")))
        #expect(script.heartbeat(member: member, generation: generation) == .unknownMemberId)
    }

    @Test func membersThatDoNotRejoinWithinTheRebalanceTimeoutAreRemoved() {
        var script = GroupScript()
        let (leader, follower, generation) = Self.twoMembers(&script, session: 10_000, rebalance: 30_000)
        // The leader rejoins (forcing a rebalance); the follower keeps heartbeating but
        // never rejoins.
        let (join, parked) = script.join(GroupScript.joinRequest(member: leader), version: 3)
        #expect(parked.join(join) == nil)
        var done: [GroupAction] = []
        for _ in 0..<6 {
            #expect(script.heartbeat(member: follower, generation: generation) == .rebalanceInProgress)
            done += script.advance(5_000)
        }
        let response = done.join(join)
        #expect(response?.generationId == generation + 1)
        #expect(response?.members.map(\.memberId) == [leader])
        #expect(script.state.group("g")?.members[follower] == nil)
    }

    @Test func aMemberIdThatIsNeverUsedExpiresAndNoLongerHoldsUpTheRebalance() {
        var script = GroupScript()
        let (leader, generation) = script.stableSingleMember()
        let (_, required) = script.join(GroupScript.joinRequest(session: 10_000), client: "c2")
        let pending = required.joinResponses[0].memberId
        #expect(script.state.group("g")?.pendingJoinMembers[pending] != nil)
        // The leader rejoins; the pending member id blocks the completion until it expires.
        let (join, parked) = script.join(GroupScript.joinRequest(member: leader))
        #expect(parked.join(join) == nil)
        _ = script.advance(9_999)
        #expect(script.heartbeat(member: leader, generation: generation) == .rebalanceInProgress)
        let done = script.advance(1)
        #expect(done.join(join)?.generationId == generation + 1)
        #expect(script.state.group("g")?.pendingJoinMembers.isEmpty == true)
        // Joining with the expired id now: UNKNOWN_MEMBER_ID.
        let (late, refused) = script.join(GroupScript.joinRequest(member: pending), client: "c2")
        #expect(refused.join(late)?.errorCode == KafkaErrorCode.unknownMemberId.rawValue)
    }

    @Test func membersThatNeverSyncAreRemovedAfterTheRebalanceTimeout() {
        var script = GroupScript()
        let (_, a) = script.join(GroupScript.joinRequest(session: 30_000, rebalance: 20_000), version: 3, client: "a")
        let leader = a.joinResponses[0].memberId
        _ = script.sync(member: leader, generation: 1)
        let (fj, _) = script.join(GroupScript.joinRequest(session: 30_000, rebalance: 20_000), version: 3, client: "b")
        let (lj, done) = script.join(GroupScript.joinRequest(member: leader, session: 30_000, rebalance: 20_000), version: 3)
        let follower = done.join(fj)!.memberId
        let generation = done.join(lj)!.generationId
        _ = script.sync(member: leader, generation: generation, assignments: [leader: [1], follower: [2]])
        #expect(script.state.group("g")?.state == .stable)
        _ = script.advance(19_999)
        #expect(script.state.group("g")?.members[follower] != nil)
        _ = script.advance(1)
        #expect(script.state.group("g")?.members[follower] == nil)
        #expect(script.state.group("g")?.state == .preparingRebalance)
    }

    @Test func initialRebalanceDelayWaitsForMoreMembersUpToTheRebalanceTimeout() {
        var script = GroupScript { $0.initialRebalanceDelay = .milliseconds(3_000) }
        let (a, first) = script.join(GroupScript.joinRequest(rebalance: 10_000), version: 3, client: "a")
        #expect(first.join(a) == nil)
        _ = script.advance(1_000)
        let (b, second) = script.join(GroupScript.joinRequest(rebalance: 10_000), version: 3, client: "b")
        #expect(second.join(b) == nil)
        // At 3 s the delay is extended, because b joined meanwhile.
        #expect(script.advance(2_000).join(a) == nil)
        let done = script.advance(3_000)
        #expect(done.join(a)?.generationId == 1)
        #expect(done.join(b)?.generationId == 1)
        #expect(done.join(a)?.members.count == 2)
    }

    @Test func leaveGroupRebalancesTheOthersAndBatchesByInstanceId() {
        var script = GroupScript()
        let (leader, follower, generation) = Self.twoMembers(&script)
        let (error, members, _) = script.state.leave(
            groupID: "g", members: [.init(memberId: follower), .init(memberId: "ghost")], now: script.now)
        #expect(error == .none)
        #expect(members.map(\.errorCode) == [0, KafkaErrorCode.unknownMemberId.rawValue])
        #expect(script.heartbeat(member: leader, generation: generation) == .rebalanceInProgress)
        let (join, done) = script.join(GroupScript.joinRequest(member: leader), version: 3)
        #expect(done.join(join)?.members.map(\.memberId) == [leader])
        // The last member leaving empties the group.
        _ = script.sync(member: leader, generation: generation + 1)
        let (_, _, last) = script.state.leave(groupID: "g", members: [.init(memberId: leader)], now: script.now)
        #expect(script.state.group("g")?.members.isEmpty == true)
        #expect(script.state.group("g")?.state == .empty)
        #expect(script.state.group("g")?.generationID == generation + 2)
        #expect(last.contains(.storeGroupMetadata(groupID: "g")))
        #expect(script.state.leave(groupID: "nope", members: [.init(memberId: "x")], now: script.now).error == .unknownMemberId)
    }

    @Test func aParkedJoinOfAMemberThatLeavesIsAnswered() {
        var script = GroupScript()
        let (leader, generation) = script.stableSingleMember()
        let (_, r) = script.join(GroupScript.joinRequest(), client: "c2")
        let newcomer = r.joinResponses[0].memberId
        let (join, parked) = script.join(GroupScript.joinRequest(member: newcomer), client: "c2")
        #expect(parked.join(join) == nil)
        let (_, _, actions) = script.state.leave(groupID: "g", members: [.init(memberId: newcomer)], now: script.now)
        #expect(actions.join(join)?.errorCode == KafkaErrorCode.unknownMemberId.rawValue)
        #expect(script.heartbeat(member: leader, generation: generation) == .rebalanceInProgress)
    }
}
