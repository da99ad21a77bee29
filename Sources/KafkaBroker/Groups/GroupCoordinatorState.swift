import KafkaProtocol

/// Every group this broker coordinates, as a pure state machine: requests and the
/// passing of time go in, responses and `GroupAction`s come out. `GroupCoordinator` wraps
/// it with a lock, parks JoinGroup/SyncGroup requests until their answer comes out, and
/// does the I/O (`OffsetStore`).
///
/// Request-level checks live here (INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, a group
/// that does not exist), as in Kafka's `GroupCoordinatorService`; the rest is
/// `ClassicGroup`.
struct GroupCoordinatorState: Sendable {
    let configuration: GroupCoordinatorConfiguration
    let settings: ClassicGroup.Settings
    private(set) var groups: [String: ClassicGroup] = [:]

    init(configuration: GroupCoordinatorConfiguration) {
        self.configuration = configuration
        self.settings = ClassicGroup.Settings(configuration)
    }

    func group(_ groupID: String) -> ClassicGroup? { groups[groupID] }

    private mutating func groupCreatingIfMissing(_ groupID: String) -> ClassicGroup {
        groups[groupID] ?? ClassicGroup(groupID: groupID, settings: settings)
    }

    // MARK: Membership

    /// JoinGroup. Errors that need no group are answered here; a new group is created for
    /// a member without an id (a member id for a group that does not exist:
    /// UNKNOWN_MEMBER_ID, so the client starts over).
    mutating func join(_ input: ClassicGroup.JoinInput, now: Int64) -> [GroupAction] {
        let request = input.request
        func fail(_ error: KafkaErrorCode) -> [GroupAction] {
            [.completeJoin(input.requestID, ClassicGroup.joinError(error, memberID: request.memberId))]
        }
        if request.groupId.isEmpty { return fail(.invalidGroupId) }
        let session = Int64(request.sessionTimeoutMs)
        if session < configuration.minimumSessionTimeout.milliseconds
            || session > configuration.maximumSessionTimeout.milliseconds
        {
            return fail(.invalidSessionTimeout)
        }
        if groups[request.groupId] == nil && !request.memberId.isEmpty { return fail(.unknownMemberId) }
        var group = groupCreatingIfMissing(request.groupId)
        let actions = group.join(input, now: now)
        groups[request.groupId] = group
        return actions
    }

    mutating func sync(_ input: ClassicGroup.SyncInput, now: Int64) -> [GroupAction] {
        let groupID = input.request.groupId
        func fail(_ error: KafkaErrorCode) -> [GroupAction] {
            [.completeSync(input.requestID, SyncGroupResponse(errorCode: error.rawValue))]
        }
        if groupID.isEmpty { return fail(.invalidGroupId) }
        guard var group = groups[groupID] else { return fail(.unknownMemberId) }
        let actions = group.sync(input, now: now)
        groups[groupID] = group
        return actions
    }

    mutating func heartbeat(_ request: HeartbeatRequest, now: Int64) -> (error: KafkaErrorCode, actions: [GroupAction]) {
        if request.groupId.isEmpty { return (.invalidGroupId, []) }
        guard var group = groups[request.groupId] else { return (.unknownMemberId, []) }
        let result = group.heartbeat(
            memberID: request.memberId, instanceID: request.groupInstanceId, generationID: request.generationId, now: now)
        groups[request.groupId] = group
        return result
    }

    mutating func leave(groupID: String, members: [LeaveGroupRequest.MemberIdentity], now: Int64)
        -> (error: KafkaErrorCode, members: [LeaveGroupResponse.MemberResponse], actions: [GroupAction])
    {
        if groupID.isEmpty { return (.invalidGroupId, [], []) }
        guard var group = groups[groupID] else { return (.unknownMemberId, [], []) }
        let result = group.leave(members, now: now)
        groups[groupID] = group
        return result
    }

    // MARK: Time

    /// Fires the due timers of every group.
    mutating func expireTimers(now: Int64) -> [GroupAction] {
        var actions: [GroupAction] = []
        for groupID in groups.keys.sorted() where (groups[groupID]?.nextDeadline).map({ $0 <= now }) == true {
            actions += groups[groupID]!.expireTimers(now: now)
        }
        return actions
    }

    /// Fires the due timers of one group (after a request to it).
    mutating func expireTimers(of groupID: String, now: Int64) -> [GroupAction] {
        guard groups[groupID] != nil else { return [] }
        return groups[groupID]!.expireTimers(now: now)
    }

    var nextDeadline: Int64? { groups.values.compactMap(\.nextDeadline).min() }

    // MARK: Durable state

    /// What the store keeps of a group: nil once it is gone.
    func metadataRecord(of groupID: String) -> OffsetStoreRecord? {
        guard let group = groups[groupID] else { return nil }
        return .groupMetadata(
            groupID: groupID, protocolType: group.protocolType, generationID: group.generationID,
            protocolName: group.protocolName, stateTimestamp: group.stateTimestamp)
    }

    /// Every live record, for compacting the store.
    func snapshot() -> [OffsetStoreRecord] {
        var records: [OffsetStoreRecord] = []
        for groupID in groups.keys.sorted() {
            let group = groups[groupID]!
            if group.protocolType != nil || group.generationID > 0, let record = metadataRecord(of: groupID) {
                records.append(record)
            }
            for (partition, offset) in group.offsets.sorted(by: { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }) {
                records.append(.offsetCommit(groupID: groupID, partition: partition, offset: offset))
            }
        }
        return records
    }

    var liveRecordCount: Int { groups.values.reduce(0) { $0 + 1 + $1.offsets.count } }

    /// Rebuilds the groups from the store after a restart. Groups come back Empty, with
    /// their protocol type, generation and offsets; members are not kept (they rejoin).
    mutating func replay(_ records: [OffsetStoreRecord]) {
        for record in records {
            switch record {
            case .offsetCommit(let groupID, let partition, let offset):
                var group = groupCreatingIfMissing(groupID)
                group.offsets[partition] = offset
                groups[groupID] = group
            case .offsetDelete(let groupID, let partition):
                groups[groupID]?.offsets[partition] = nil
            case .groupMetadata(let groupID, let protocolType, let generationID, _, let stateTimestamp):
                var group = groupCreatingIfMissing(groupID)
                group.protocolType = protocolType
                group.generationID = generationID
                // Without its members the group is Empty, whatever it was when written;
                // its offsets expire counting from when it was last written.
                group.protocolName = nil
                group.stateTimestamp = stateTimestamp
                if group.usesConsumerProtocol { group.subscribedTopics = [] }
                groups[groupID] = group
            case .groupDelete(let groupID):
                groups[groupID] = nil
            }
        }
    }

    /// Removes a group (DeleteGroups, or expiry of an empty group with no offsets).
    mutating func removeGroup(_ groupID: String) {
        groups[groupID] = nil
    }

    /// Gives a closure write access to one group (offset commits and deletes).
    mutating func modifyGroup<T>(_ groupID: String, creatingIfMissing: Bool = false, _ body: (inout ClassicGroup) -> T) -> T? {
        guard creatingIfMissing || groups[groupID] != nil else { return nil }
        var group = groupCreatingIfMissing(groupID)
        let result = body(&group)
        groups[groupID] = group
        return result
    }
}
