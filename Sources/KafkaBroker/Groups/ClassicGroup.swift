import KafkaProtocol

/// One consumer group of the classic protocol (JoinGroup/SyncGroup/Heartbeat), as a
/// state machine: events (a join, a sync, a heartbeat, a leave, the clock passing a
/// deadline) change it and return `GroupAction`s; it does no I/O and reads no clock.
///
/// It follows Kafka 4.0's `ClassicGroup` and the classic-group half of
/// `GroupMetadataManager`: generation ids, protocol selection by vote among the
/// protocols every member supports, the first member as leader (re-elected from the
/// members that rejoined when the leader does not), KIP-394 (MEMBER_ID_REQUIRED),
/// KIP-345 (static members), the rebalance timeout (members that do not rejoin are
/// removed), the session timeout (members that stop heartbeating are removed), the
/// pending-sync timeout (members that never send SyncGroup are removed) and
/// `group.initial.rebalance.delay.ms`.
///
/// Timers are deadlines in milliseconds stored in the group; `expireTimers(now:)` fires
/// the due ones. Times are wall-clock milliseconds (commit timestamps are compared with
/// them too), as in Kafka.
///
/// The group also holds its committed offsets (see `ClassicGroup+Offsets.swift`).
struct ClassicGroup: Sendable {
    /// What the coordinator's configuration decides, in milliseconds.
    struct Settings: Sendable, Equatable {
        var initialRebalanceDelayMs: Int64 = 0
        var newMemberJoinTimeoutMs: Int64 = 300_000
        var maximumSize: Int = Int(Int32.max)

        init() {}

        init(_ configuration: GroupCoordinatorConfiguration) {
            initialRebalanceDelayMs = configuration.initialRebalanceDelay.milliseconds
            newMemberJoinTimeoutMs = configuration.newMemberJoinTimeout.milliseconds
            maximumSize = configuration.maximumGroupSize
        }
    }

    /// The end of the join phase.
    enum JoinTimer: Sendable, Equatable {
        /// The first rebalance of an empty group waits `group.initial.rebalance.delay.ms`,
        /// again each time a member joins meanwhile, up to the rebalance timeout.
        case initial(deadline: Int64, delay: Int64, remaining: Int64)
        /// Members that have not rejoined by then are removed.
        case rebalance(deadline: Int64)

        var deadline: Int64 {
            switch self {
            case .initial(let deadline, _, _), .rebalance(let deadline): return deadline
            }
        }
    }

    /// Members that have not sent SyncGroup by `deadline` (of `generation`) are removed.
    struct SyncTimer: Sendable, Equatable {
        var deadline: Int64
        var generation: Int32
    }

    static let consumerProtocolType = "consumer"

    let groupID: String
    let settings: Settings
    var state: ClassicGroupState = .empty
    var previousState: ClassicGroupState = .empty
    /// When the group entered its state (Kafka's `currentStateTimestamp`): the offsets of
    /// a group that has been Empty for `offsets.retention` expire.
    var stateTimestamp: Int64?
    var generationID: Int32 = 0
    /// Set by the first member; nil for a group that only ever committed offsets (a
    /// "simple" group of consumers that assign partitions themselves).
    var protocolType: String?
    var protocolName: String?
    var leaderID: String?
    var members: [String: ClassicGroupMember] = [:]
    /// Member ids in the order they joined: the next leader is the oldest member.
    var memberOrder: [String] = []
    /// group.instance.id -> member id.
    var staticMembers: [String: String] = [:]
    /// KIP-394: member ids handed out with MEMBER_ID_REQUIRED, with the deadline by
    /// which they must join with it (their session timeout).
    var pendingJoinMembers: [String: Int64] = [:]
    /// Members of the current generation that have not sent SyncGroup yet.
    var pendingSyncMembers: Set<String> = []
    /// A member joined during the initial delay: extend it.
    var newMemberAdded = false
    var joinTimer: JoinTimer?
    var syncTimer: SyncTimer?
    /// The topics the members subscribe to, when the coordinator can tell (consumer
    /// protocol metadata it could parse); offsets of those topics never expire.
    var subscribedTopics: Set<String>?
    /// Committed offsets.
    var offsets: [TopicPartition: CommittedOffset] = [:]

    init(groupID: String, settings: Settings) {
        self.groupID = groupID
        self.settings = settings
    }

    // MARK: Queries

    var isLeaderless: Bool { leaderID == nil }

    func isLeader(_ memberID: String) -> Bool { leaderID == memberID }

    var awaitingJoinCount: Int { members.values.count { $0.awaitingJoin != nil } }

    /// Every member (and every member id handed out with MEMBER_ID_REQUIRED) has
    /// (re)joined.
    var hasAllMembersJoined: Bool { members.count == awaitingJoinCount && pendingJoinMembers.isEmpty }

    /// Kafka's `canRebalance`: a join or leave in these states starts a rebalance.
    var canRebalance: Bool { ClassicGroupState.preparingRebalance.validPreviousStates.contains(state) }

    /// The largest rebalance timeout of the members: how long a rebalance waits.
    var rebalanceTimeoutMs: Int64 { members.values.map { Int64($0.rebalanceTimeoutMs) }.max() ?? 0 }

    var usesConsumerProtocol: Bool { protocolType == Self.consumerProtocolType }

    /// Whether a member with this protocol type and these protocols can join: any
    /// non-empty set while the group is empty, else the group's type and at least one
    /// protocol every current member supports.
    func supportsProtocols(type: String, names: [String]) -> Bool {
        if state == .empty { return !type.isEmpty && !names.isEmpty }
        guard protocolType == type else { return false }
        return names.contains { name in members.values.allSatisfy { $0.supports(name) } }
    }

    /// The protocol for the next generation: among the protocols every member supports,
    /// each member votes for the one it prefers most; most votes wins. Ties go to the
    /// protocol the oldest member prefers (Kafka leaves them to hash order).
    func selectProtocol() -> String? {
        guard let first = memberOrder.first, let oldest = members[first] else { return nil }
        let candidates = Set(oldest.protocols.map(\.name).filter { name in members.values.allSatisfy { $0.supports(name) } })
        var votes: [String: Int] = [:]
        for id in memberOrder {
            if let vote = members[id]?.vote(among: candidates) { votes[vote, default: 0] += 1 }
        }
        let most = votes.values.max() ?? 0
        return oldest.protocols.map(\.name).first { votes[$0] == most && most > 0 }
    }

    /// The members as the leader sees them in its JoinGroup response: id, instance id and
    /// the metadata of the selected protocol.
    func currentMembers() -> [JoinGroupResponse.JoinGroupResponseMember] {
        memberOrder.compactMap { members[$0] }.map {
            .init(memberId: $0.memberID, groupInstanceId: $0.groupInstanceID, metadata: $0.metadata(for: protocolName))
        }
    }

    /// Kafka's `validateMember`: a static member must be the current holder of its
    /// instance id (FENCED_INSTANCE_ID), and the member id must be known.
    func validateMember(_ memberID: String, instanceID: String?) -> KafkaErrorCode? {
        if let instanceID {
            guard let existing = staticMembers[instanceID] else { return .unknownMemberId }
            if existing != memberID { return .fencedInstanceId }
        }
        return members[memberID] == nil ? .unknownMemberId : nil
    }

    /// The consumer-protocol topics of all members, when they can be parsed.
    func computeSubscribedTopics() -> Set<String>? {
        guard usesConsumerProtocol else { return nil }
        if members.isEmpty { return [] }
        guard let protocolName else { return nil }
        var topics: Set<String> = []
        for member in members.values {
            guard let (subscription, _) = try? ConsumerProtocolSubscription.decodeVersioned(member.metadata(for: protocolName))
            else { return nil }
            topics.formUnion(subscription.topics)
        }
        return topics
    }

    func isSubscribed(toTopic topic: String) -> Bool {
        subscribedTopics.map { $0.contains(topic) } ?? usesConsumerProtocol
    }

    // MARK: Changes

    mutating func transition(to next: ClassicGroupState, now: Int64) {
        precondition(next.validPreviousStates.contains(state), "group \(groupID): \(state) -> \(next) is not a valid transition")
        previousState = state
        state = next
        stateTimestamp = now
    }

    mutating func add(_ member: ClassicGroupMember) {
        if let instanceID = member.groupInstanceID { staticMembers[instanceID] = member.memberID }
        if members.isEmpty { protocolType = member.protocolType }
        if leaderID == nil { leaderID = member.memberID }
        members[member.memberID] = member
        memberOrder.append(member.memberID)
        pendingJoinMembers[member.memberID] = nil
    }

    /// Removes a member (or pending member id). Any request of it still parked is
    /// answered with `error`, so no JoinGroup or SyncGroup ever waits forever.
    mutating func remove(_ memberID: String, answering error: KafkaErrorCode = .unknownMemberId, into actions: inout [GroupAction]) {
        if let removed = members.removeValue(forKey: memberID) {
            memberOrder.removeAll { $0 == memberID }
            if let instanceID = removed.groupInstanceID, staticMembers[instanceID] == memberID { staticMembers[instanceID] = nil }
            if let join = removed.awaitingJoin {
                actions.append(.completeJoin(join, Self.joinError(error, memberID: "")))
            }
            if let sync = removed.awaitingSync {
                actions.append(.completeSync(sync, SyncGroupResponse(errorCode: error.rawValue)))
            }
        }
        if leaderID == memberID { leaderID = memberOrder.first }
        pendingJoinMembers[memberID] = nil
        pendingSyncMembers.remove(memberID)
    }

    mutating func rescheduleHeartbeat(_ memberID: String, now: Int64, timeoutMs: Int64? = nil) {
        guard let member = members[memberID] else { return }
        members[memberID]?.heartbeatDeadline = now + (timeoutMs ?? Int64(member.sessionTimeoutMs))
    }

    /// A JoinGroup error response (generation -1, no protocol, no leader), as Kafka sends.
    static func joinError(_ error: KafkaErrorCode, memberID: String) -> JoinGroupResponse {
        JoinGroupResponse(
            errorCode: error.rawValue, generationId: -1, protocolType: nil, protocolName: nil, leader: "",
            skipAssignment: false, memberId: memberID, members: [])
    }

    /// The JoinGroup answer for the current generation; the leader gets the members.
    func joinResponse(for memberID: String, skipAssignment: Bool = false) -> JoinGroupResponse {
        JoinGroupResponse(
            errorCode: 0, generationId: generationID, protocolType: protocolType, protocolName: protocolName,
            leader: leaderID ?? "", skipAssignment: skipAssignment, memberId: memberID,
            members: isLeader(memberID) ? currentMembers() : [])
    }
}
