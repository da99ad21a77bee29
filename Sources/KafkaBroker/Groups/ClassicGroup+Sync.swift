import KafkaProtocol

extension ClassicGroup {
    /// A SyncGroup as the group sees it.
    struct SyncInput: Sendable {
        var requestID: GroupRequestID
        var request: SyncGroupRequest
    }

    /// SyncGroup: followers wait for the leader's assignment; the leader's request
    /// distributes it and makes the group Stable. In a Stable group the member's current
    /// assignment is answered at once.
    mutating func sync(_ input: SyncInput, now: Int64) -> [GroupAction] {
        var actions: [GroupAction] = []
        let request = input.request
        let memberID = request.memberId
        func answer(_ error: KafkaErrorCode) {
            actions.append(.completeSync(input.requestID, SyncGroupResponse(errorCode: error.rawValue)))
        }
        if state == .empty {
            answer(.unknownMemberId)
        } else if state == .dead {
            answer(.coordinatorNotAvailable)
        } else if let error = validateMember(memberID, instanceID: request.groupInstanceId) {
            answer(error)
        } else if request.generationId != generationID {
            answer(.illegalGeneration)
        } else if Self.inconsistent(request.protocolType, protocolType) || Self.inconsistent(request.protocolName, protocolName) {
            // v5+ names the protocol the member thinks the group uses (KIP-559).
            answer(.inconsistentGroupProtocol)
        } else {
            switch state {
            case .preparingRebalance:
                answer(.rebalanceInProgress)
            case .completingRebalance:
                if let previous = members[memberID]?.awaitingSync, previous != input.requestID {
                    actions.append(.completeSync(previous, SyncGroupResponse(errorCode: KafkaErrorCode.rebalanceInProgress.rawValue)))
                }
                members[memberID]?.awaitingSync = input.requestID
                removePendingSyncMember(memberID)
                if isLeader(memberID) {
                    // Members the leader left out get an empty assignment.
                    var assignment: [String: [UInt8]] = [:]
                    for entry in request.assignments { assignment[entry.memberId] = entry.assignment }
                    for id in memberOrder { members[id]?.assignment = assignment[id] ?? [] }
                    propagateAssignment(error: .none, now: now, into: &actions)
                    transition(to: .stable, now: now)
                }
            case .stable:
                removePendingSyncMember(memberID)
                let member = members[memberID]!
                actions.append(
                    .completeSync(
                        input.requestID,
                        SyncGroupResponse(
                            errorCode: 0, protocolType: protocolType, protocolName: protocolName, assignment: member.assignment)))
            case .empty, .dead:
                break  // handled above
            }
        }
        expireTimers(now: now, into: &actions)
        return actions
    }

    private static func inconsistent(_ requested: String?, _ actual: String?) -> Bool {
        guard let requested, let actual else { return false }
        return requested != actual
    }

    private mutating func removePendingSyncMember(_ memberID: String) {
        pendingSyncMembers.remove(memberID)
        switch state {
        case .dead, .empty, .preparingRebalance:
            syncTimer = nil
        case .completingRebalance, .stable:
            if pendingSyncMembers.isEmpty { syncTimer = nil }
        }
    }

    /// Every member loses its assignment and every parked SyncGroup gets `error`.
    mutating func resetAndPropagateAssignment(error: KafkaErrorCode, now: Int64, into actions: inout [GroupAction]) {
        for id in memberOrder { members[id]?.assignment = [] }
        propagateAssignment(error: error, now: now, into: &actions)
    }

    /// Answers every parked SyncGroup with the member's assignment (or `error`), and
    /// restarts the session timer of those members.
    private mutating func propagateAssignment(error: KafkaErrorCode, now: Int64, into actions: inout [GroupAction]) {
        for id in memberOrder {
            guard var member = members[id], let sync = member.awaitingSync else { continue }
            let response =
                error == .none
                ? SyncGroupResponse(errorCode: 0, protocolType: protocolType, protocolName: protocolName, assignment: member.assignment)
                : SyncGroupResponse(errorCode: error.rawValue, assignment: member.assignment)
            actions.append(.completeSync(sync, response))
            member.awaitingSync = nil
            member.heartbeatDeadline = now + Int64(member.sessionTimeoutMs)
            members[id] = member
        }
    }

    // MARK: Heartbeat

    /// Heartbeat: keeps the member's session alive; REBALANCE_IN_PROGRESS tells it to
    /// rejoin.
    mutating func heartbeat(memberID: String, instanceID: String?, generationID requested: Int32, now: Int64)
        -> (error: KafkaErrorCode, actions: [GroupAction])
    {
        var actions: [GroupAction] = []
        let error: KafkaErrorCode
        if state == .dead {
            error = .coordinatorNotAvailable
        } else if let invalid = validateMember(memberID, instanceID: instanceID) {
            error = invalid
        } else if requested != generationID {
            error = .illegalGeneration
        } else {
            switch state {
            case .empty, .dead:
                error = .unknownMemberId
            case .preparingRebalance:
                rescheduleHeartbeat(memberID, now: now)
                error = .rebalanceInProgress
            case .completingRebalance, .stable:
                // A member may heartbeat between its JoinGroup and SyncGroup responses.
                rescheduleHeartbeat(memberID, now: now)
                error = .none
            }
        }
        expireTimers(now: now, into: &actions)
        return (error, actions)
    }

    // MARK: Leave

    /// LeaveGroup of one or more members (v3+ batches them, KIP-345). A static member can
    /// be removed by instance id alone (an administrator's request).
    mutating func leave(_ identities: [LeaveGroupRequest.MemberIdentity], now: Int64)
        -> (error: KafkaErrorCode, members: [LeaveGroupResponse.MemberResponse], actions: [GroupAction])
    {
        var actions: [GroupAction] = []
        guard state != .dead else { return (.coordinatorNotAvailable, [], []) }
        var responses: [LeaveGroupResponse.MemberResponse] = []
        var removedAny = false
        for identity in identities {
            var error = KafkaErrorCode.none
            if identity.memberId.isEmpty {
                if let instanceID = identity.groupInstanceId, let memberID = staticMembers[instanceID] {
                    remove(memberID, into: &actions)
                    removedAny = true
                } else {
                    error = .unknownMemberId
                }
            } else if pendingJoinMembers[identity.memberId] != nil {
                pendingJoinMembers[identity.memberId] = nil
                removedAny = true
            } else if let invalid = validateMember(identity.memberId, instanceID: identity.groupInstanceId) {
                error = invalid
            } else {
                remove(identity.memberId, into: &actions)
                removedAny = true
            }
            responses.append(.init(memberId: identity.memberId, groupInstanceId: identity.groupInstanceId, errorCode: error.rawValue))
        }
        if removedAny {
            switch state {
            case .stable, .completingRebalance:
                maybePrepareRebalanceOrCompleteJoin(now: now, into: &actions)
            case .preparingRebalance:
                maybeCompleteJoinPhase(now: now, into: &actions)
            case .empty, .dead:
                break
            }
        }
        expireTimers(now: now, into: &actions)
        return (.none, responses, actions)
    }
}
