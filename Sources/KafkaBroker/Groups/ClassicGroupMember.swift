import KafkaProtocol

/// A member of a classic group, as the coordinator sees it between requests.
///
/// Members are not persisted: after a broker restart a group comes back Empty and its
/// consumers, answered UNKNOWN_MEMBER_ID on their next heartbeat, join again.
struct ClassicGroupMember: Sendable {
    var memberID: String
    /// KIP-345 static membership: the `group.instance.id` the member joined with.
    var groupInstanceID: String?
    var clientID: String
    var clientHost: String
    var rebalanceTimeoutMs: Int32
    var sessionTimeoutMs: Int32
    var protocolType: String
    /// The protocols the member supports, most preferred first, with its metadata for each.
    var protocols: [JoinGroupRequest.JoinGroupRequestProtocol]
    /// What the leader assigned it in the last completed SyncGroup.
    var assignment: [UInt8] = []
    /// The JoinGroup of this member that waits for the join phase to end.
    var awaitingJoin: GroupRequestID?
    /// The SyncGroup of this member that waits for the leader's assignment.
    var awaitingSync: GroupRequestID?
    /// Joined during the current rebalance: may be expired while its JoinGroup is parked
    /// (after `newMemberJoinTimeout`), unlike members that already had a generation.
    var isNew = false
    /// When the member is expired unless it heartbeats (or is waiting in a rebalance).
    var heartbeatDeadline: Int64?

    var isStatic: Bool { groupInstanceID != nil }

    /// Whether the member rejoined with exactly the protocols and metadata it has.
    func matches(_ other: [JoinGroupRequest.JoinGroupRequestProtocol]) -> Bool {
        other.count == protocols.count
            && zip(other, protocols).allSatisfy { $0.name == $1.name && $0.metadata == $1.metadata }
    }

    func supports(_ protocolName: String) -> Bool {
        protocols.contains { $0.name == protocolName }
    }

    func metadata(for protocolName: String?) -> [UInt8] {
        protocols.first { $0.name == protocolName }?.metadata ?? []
    }

    /// The member's most preferred protocol among `candidates`.
    func vote(among candidates: Set<String>) -> String? {
        protocols.first { candidates.contains($0.name) }?.name
    }
}
