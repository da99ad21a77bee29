import KafkaProtocol
@testable import KafkaBroker

/// Drives a `GroupCoordinatorState` the way the coordinator does, for tests written as
/// scripts: each step is an event in and the actions out, with a clock in milliseconds
/// the test moves by hand.
struct GroupScript {
    var state: GroupCoordinatorState
    var now: Int64 = 1_000_000
    private var nextRequestID: GroupRequestID = 1
    private var memberSerial = 0

    init(configure: (inout GroupCoordinatorConfiguration) -> Void = { _ in }) {
        var configuration = GroupCoordinatorConfiguration()
        configure(&configuration)
        state = GroupCoordinatorState(configuration: configuration)
    }

    static func subscription(_ topics: [String]) -> [UInt8] {
        ConsumerProtocolSubscription(topics: topics).encodeVersioned(version: 1)
    }

    static func joinRequest(
        group: String = "g", member: String = "", instance: String? = nil, protocols: [String] = ["range"],
        topics: [String] = ["t"], session: Int32 = 10_000, rebalance: Int32 = 30_000, protocolType: String = "consumer"
    ) -> JoinGroupRequest {
        JoinGroupRequest(
            groupId: group, sessionTimeoutMs: session, rebalanceTimeoutMs: rebalance, memberId: member,
            groupInstanceId: instance, protocolType: protocolType,
            protocols: protocols.map { .init(name: $0, metadata: subscription(topics)) })
    }

    /// Sends a JoinGroup; returns its request id and the actions.
    mutating func join(_ request: JoinGroupRequest, version: Int16 = 5, client: String = "client") -> (GroupRequestID, [GroupAction]) {
        let id = nextRequestID
        nextRequestID += 1
        memberSerial += 1
        let input = ClassicGroup.JoinInput(
            requestID: id, request: request, version: version, clientID: client, clientHost: "/127.0.0.1",
            newMemberID: "\(request.groupInstanceId ?? client)-\(memberSerial)")
        return (id, state.join(input, now: now))
    }

    mutating func sync(
        group: String = "g", member: String, generation: Int32, assignments: [String: [UInt8]] = [:],
        instance: String? = nil
    ) -> (GroupRequestID, [GroupAction]) {
        let id = nextRequestID
        nextRequestID += 1
        let request = SyncGroupRequest(
            groupId: group, generationId: generation, memberId: member, groupInstanceId: instance,
            assignments: assignments.sorted { $0.key < $1.key }.map { .init(memberId: $0.key, assignment: $0.value) })
        return (id, state.sync(.init(requestID: id, request: request), now: now))
    }

    mutating func heartbeat(group: String = "g", member: String, generation: Int32, instance: String? = nil) -> KafkaErrorCode {
        state.heartbeat(
            HeartbeatRequest(groupId: group, generationId: generation, memberId: member, groupInstanceId: instance), now: now
        ).error
    }

    mutating func advance(_ milliseconds: Int64) -> [GroupAction] {
        now += milliseconds
        return state.expireTimers(now: now)
    }

    /// A member that joined alone with MEMBER_ID_REQUIRED first (v5) and synced: the
    /// group is Stable at the returned generation.
    mutating func stableSingleMember(group: String = "g", client: String = "c1") -> (member: String, generation: Int32) {
        let (_, first) = join(Self.joinRequest(group: group), client: client)
        let memberID = first.joinResponses.first!.memberId
        let (_, second) = join(Self.joinRequest(group: group, member: memberID), client: client)
        let generation = second.joinResponses.first!.generationId
        _ = sync(group: group, member: memberID, generation: generation, assignments: [memberID: [1]])
        return (memberID, generation)
    }
}

extension Array where Element == GroupAction {
    var joinResponses: [JoinGroupResponse] {
        compactMap { if case .completeJoin(_, let response) = $0 { return response } else { return nil } }
    }

    var syncResponses: [SyncGroupResponse] {
        compactMap { if case .completeSync(_, let response) = $0 { return response } else { return nil } }
    }

    func join(_ id: GroupRequestID) -> JoinGroupResponse? {
        for case .completeJoin(let rid, let response) in self where rid == id { return response }
        return nil
    }

    func sync(_ id: GroupRequestID) -> SyncGroupResponse? {
        for case .completeSync(let rid, let response) in self where rid == id { return response }
        return nil
    }
}
