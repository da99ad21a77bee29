import KafkaProtocol

extension ClassicGroup {
    /// A JoinGroup as the group sees it.
    struct JoinInput: Sendable {
        var requestID: GroupRequestID
        var request: JoinGroupRequest
        /// The request's version: v4+ requires a known member id (KIP-394), v9+ lets a
        /// rejoining static leader skip the assignment (KIP-814).
        var version: Int16
        var clientID: String
        var clientHost: String
        /// The id a new member gets: `<group.instance.id or client.id>-<uuid>`.
        var newMemberID: String
    }

    /// JoinGroup. Answers at once (errors, MEMBER_ID_REQUIRED, a rejoin that changes
    /// nothing) or parks the request until the join phase ends.
    mutating func join(_ input: JoinInput, now: Int64) -> [GroupAction] {
        var actions: [GroupAction] = []
        if !acceptsJoiningMember(input.request.memberId) {
            remove(input.request.memberId, into: &actions)
            actions.append(.completeJoin(input.requestID, Self.joinError(.groupMaxSizeReached, memberID: "")))
        } else if input.request.memberId.isEmpty {
            joinNewMember(input, now: now, into: &actions)
        } else {
            joinExistingMember(input, now: now, into: &actions)
        }
        expireTimers(now: now, into: &actions)
        return actions
    }

    /// `group.max.size`: members already waiting are always accepted, new ones while the
    /// group is below the maximum.
    private func acceptsJoiningMember(_ memberID: String) -> Bool {
        switch state {
        case .empty, .dead:
            return true
        case .preparingRebalance:
            return members[memberID]?.awaitingJoin != nil || awaitingJoinCount < settings.maximumSize
        case .completingRebalance, .stable:
            return members[memberID] != nil || members.count < settings.maximumSize
        }
    }

    private mutating func joinNewMember(_ input: JoinInput, now: Int64, into actions: inout [GroupAction]) {
        let request = input.request
        if state == .dead {
            // The group was just deleted: let the client find the coordinator and retry.
            actions.append(.completeJoin(input.requestID, Self.joinError(.coordinatorNotAvailable, memberID: "")))
        } else if !supportsProtocols(type: request.protocolType, names: request.protocols.map(\.name)) {
            actions.append(.completeJoin(input.requestID, Self.joinError(.inconsistentGroupProtocol, memberID: "")))
        } else if let instanceID = request.groupInstanceId {
            // KIP-345: a static member needs no MEMBER_ID_REQUIRED round trip. If its
            // instance id is known, the new member id replaces the old one.
            if let existing = staticMembers[instanceID] {
                replaceStaticMember(input, oldMemberID: existing, now: now, into: &actions)
            } else {
                addMemberThenRebalanceOrCompleteJoin(input, memberID: input.newMemberID, now: now, into: &actions)
            }
        } else if input.version >= 4 {
            // KIP-394: hand out the member id and have the client join again with it, so a
            // client that times out and retries does not leave a ghost member behind.
            pendingJoinMembers[input.newMemberID] = now + Int64(request.sessionTimeoutMs)
            actions.append(.completeJoin(input.requestID, Self.joinError(.memberIdRequired, memberID: input.newMemberID)))
        } else {
            addMemberThenRebalanceOrCompleteJoin(input, memberID: input.newMemberID, now: now, into: &actions)
        }
    }

    private mutating func joinExistingMember(_ input: JoinInput, now: Int64, into actions: inout [GroupAction]) {
        let request = input.request
        let memberID = request.memberId
        if state == .dead {
            actions.append(.completeJoin(input.requestID, Self.joinError(.coordinatorNotAvailable, memberID: memberID)))
        } else if !supportsProtocols(type: request.protocolType, names: request.protocols.map(\.name)) {
            actions.append(.completeJoin(input.requestID, Self.joinError(.inconsistentGroupProtocol, memberID: memberID)))
        } else if pendingJoinMembers[memberID] != nil {
            addMemberThenRebalanceOrCompleteJoin(input, memberID: memberID, now: now, into: &actions)
        } else if let error = validateMember(memberID, instanceID: request.groupInstanceId) {
            actions.append(.completeJoin(input.requestID, Self.joinError(error, memberID: memberID)))
        } else {
            let member = members[memberID]!
            switch state {
            case .preparingRebalance:
                updateMember(memberID, with: input, now: now, into: &actions)
                maybePrepareRebalanceOrCompleteJoin(now: now, into: &actions)
            case .completingRebalance:
                if member.matches(request.protocols) {
                    // Same metadata: probably a retry after a lost response. Answer with the
                    // current generation.
                    actions.append(.completeJoin(input.requestID, joinResponse(for: memberID)))
                } else {
                    updateMember(memberID, with: input, now: now, into: &actions)
                    maybePrepareRebalanceOrCompleteJoin(now: now, into: &actions)
                }
            case .stable:
                if isLeader(memberID) || !member.matches(request.protocols) {
                    // The leader rejoining forces a rebalance: that is how it reacts to
                    // changes that are not in the metadata (new partitions, say).
                    updateMember(memberID, with: input, now: now, into: &actions)
                    maybePrepareRebalanceOrCompleteJoin(now: now, into: &actions)
                } else {
                    actions.append(.completeJoin(input.requestID, joinResponse(for: memberID)))
                }
            case .empty, .dead:
                actions.append(.completeJoin(input.requestID, Self.joinError(.unknownMemberId, memberID: memberID)))
            }
        }
    }

    /// KIP-345: a static member came back with a new member id. The old id is fenced
    /// (its parked requests get FENCED_INSTANCE_ID). A Stable group whose protocol would
    /// not change keeps its generation and the member its assignment: no rebalance.
    private mutating func replaceStaticMember(
        _ input: JoinInput, oldMemberID: String, now: Int64, into actions: inout [GroupAction]
    ) {
        let request = input.request
        guard var member = members.removeValue(forKey: oldMemberID) else { return }
        if let join = member.awaitingJoin {
            actions.append(.completeJoin(join, Self.joinError(.fencedInstanceId, memberID: oldMemberID)))
        }
        if let sync = member.awaitingSync {
            actions.append(.completeSync(sync, SyncGroupResponse(errorCode: KafkaErrorCode.fencedInstanceId.rawValue)))
        }
        let newMemberID = input.newMemberID
        member.memberID = newMemberID
        member.awaitingJoin = nil
        member.awaitingSync = nil
        members[newMemberID] = member
        memberOrder = memberOrder.map { $0 == oldMemberID ? newMemberID : $0 }
        let wasLeader = isLeader(oldMemberID)
        if wasLeader { leaderID = newMemberID }
        if pendingSyncMembers.remove(oldMemberID) != nil { pendingSyncMembers.insert(newMemberID) }
        staticMembers[request.groupInstanceId!] = newMemberID
        rescheduleHeartbeat(newMemberID, now: now)
        updateMember(newMemberID, with: input, now: now, into: &actions)

        switch state {
        case .stable:
            if selectProtocol() == protocolName {
                // The member is parked only in name: answer now with the current generation.
                // A v9+ leader is told to skip the assignment (KIP-814): it has none to redo.
                members[newMemberID]?.awaitingJoin = nil
                let response: JoinGroupResponse
                if input.version >= 9 {
                    response = joinResponse(for: newMemberID, skipAssignment: wasLeader)
                } else {
                    // Before KIP-814 Kafka names the previous leader id, so a rejoining static
                    // leader does not think it must compute an assignment.
                    var plain = joinResponse(for: newMemberID)
                    plain.members = []
                    if wasLeader { plain.leader = oldMemberID }
                    response = plain
                }
                actions.append(.completeJoin(input.requestID, response))
                actions.append(.storeGroupMetadata(groupID: groupID))
            } else {
                maybePrepareRebalanceOrCompleteJoin(now: now, into: &actions)
            }
        case .completingRebalance:
            // The leader may already have computed an assignment for the old member id:
            // rebalance so the new id gets one.
            prepareRebalance(now: now, into: &actions)
        case .preparingRebalance:
            maybeCompleteJoinPhase(now: now, into: &actions)
        case .empty, .dead:
            // A group with a static member is never Empty; nothing to do.
            break
        }
    }

    /// Takes the member's new protocols and timeouts and parks its JoinGroup. A JoinGroup
    /// it had parked already is answered REBALANCE_IN_PROGRESS (Kafka drops it; the
    /// client has given up on it, and it must not wait forever).
    private mutating func updateMember(_ memberID: String, with input: JoinInput, now: Int64, into actions: inout [GroupAction]) {
        guard var member = members[memberID] else { return }
        if let previous = member.awaitingJoin, previous != input.requestID {
            actions.append(.completeJoin(previous, Self.joinError(.rebalanceInProgress, memberID: memberID)))
        }
        member.protocols = input.request.protocols
        member.rebalanceTimeoutMs = input.request.rebalanceTimeoutMs
        member.sessionTimeoutMs = input.request.sessionTimeoutMs
        member.awaitingJoin = input.requestID
        members[memberID] = member
    }

    private mutating func addMemberThenRebalanceOrCompleteJoin(
        _ input: JoinInput, memberID: String, now: Int64, into actions: inout [GroupAction]
    ) {
        let request = input.request
        var member = ClassicGroupMember(
            memberID: memberID, groupInstanceID: request.groupInstanceId, clientID: input.clientID,
            clientHost: input.clientHost, rebalanceTimeoutMs: request.rebalanceTimeoutMs,
            sessionTimeoutMs: request.sessionTimeoutMs, protocolType: request.protocolType, protocols: request.protocols)
        member.isNew = true
        member.awaitingJoin = input.requestID
        if state == .preparingRebalance && previousState == .empty { newMemberAdded = true }
        add(member)
        // A new member cannot heartbeat while its JoinGroup is parked, and a client that
        // disconnected would leave it here forever: it gets `newMemberJoinTimeout`.
        rescheduleHeartbeat(memberID, now: now, timeoutMs: settings.newMemberJoinTimeoutMs)
        maybePrepareRebalanceOrCompleteJoin(now: now, into: &actions)
    }

    mutating func maybePrepareRebalanceOrCompleteJoin(now: Int64, into actions: inout [GroupAction]) {
        if canRebalance {
            prepareRebalance(now: now, into: &actions)
        } else {
            maybeCompleteJoinPhase(now: now, into: &actions)
        }
    }

    /// Starts a rebalance: members waiting for an assignment are told
    /// REBALANCE_IN_PROGRESS (they rejoin), and the join phase begins.
    mutating func prepareRebalance(now: Int64, into actions: inout [GroupAction]) {
        if state == .completingRebalance {
            resetAndPropagateAssignment(error: .rebalanceInProgress, now: now, into: &actions)
        }
        pendingSyncMembers.removeAll()
        syncTimer = nil
        let initial = state == .empty
        if initial {
            let delay = settings.initialRebalanceDelayMs
            joinTimer = .initial(deadline: now + delay, delay: delay, remaining: max(rebalanceTimeoutMs - delay, 0))
        }
        transition(to: .preparingRebalance, now: now)
        if !initial {
            if hasAllMembersJoined {
                completeJoinPhase(now: now, into: &actions)
            } else {
                joinTimer = .rebalance(deadline: now + rebalanceTimeoutMs)
            }
        }
    }

    /// Ends the join phase early when everyone has rejoined (never during the initial
    /// delay, which only its timer ends).
    mutating func maybeCompleteJoinPhase(now: Int64, into actions: inout [GroupAction]) {
        guard state == .preparingRebalance, previousState != .empty, hasAllMembersJoined else { return }
        completeJoinPhase(now: now, into: &actions)
    }

    /// Ends the join phase: dynamic members that did not rejoin are removed (static ones
    /// stay until their session expires, KIP-345), a leader is found among those that
    /// rejoined, the generation advances and every parked JoinGroup is answered.
    mutating func completeJoinPhase(now: Int64, into actions: inout [GroupAction]) {
        joinTimer = nil
        for id in memberOrder where members[id].map({ $0.awaitingJoin == nil && !$0.isStatic }) == true {
            remove(id, into: &actions)
        }
        guard state != .dead else { return }
        if !maybeElectNewJoinedLeader() && !members.isEmpty {
            // Nobody rejoined (only static members that have not come back are left):
            // wait another rebalance timeout, until session timeouts remove them.
            joinTimer = .rebalance(deadline: now + max(rebalanceTimeoutMs, 1))
            return
        }
        initNextGeneration(now: now)
        actions.append(.storeGroupMetadata(groupID: groupID))
        guard state != .empty else { return }
        for id in memberOrder {
            guard var member = members[id] else { continue }
            if let join = member.awaitingJoin {
                actions.append(.completeJoin(join, joinResponse(for: id)))
                member.awaitingJoin = nil
            }
            member.isNew = false
            member.heartbeatDeadline = now + Int64(member.sessionTimeoutMs)
            members[id] = member
            pendingSyncMembers.insert(id)
        }
        syncTimer = SyncTimer(deadline: now + rebalanceTimeoutMs, generation: generationID)
    }

    /// Keeps the leader if it rejoined, else picks the oldest member that did.
    private mutating func maybeElectNewJoinedLeader() -> Bool {
        guard let leaderID, let leader = members[leaderID] else { return false }
        if leader.awaitingJoin != nil { return true }
        guard let next = memberOrder.first(where: { members[$0]?.awaitingJoin != nil }) else { return false }
        self.leaderID = next
        return true
    }

    private mutating func initNextGeneration(now: Int64) {
        generationID += 1
        if !members.isEmpty {
            protocolName = selectProtocol()
            subscribedTopics = computeSubscribedTopics()
            transition(to: .completingRebalance, now: now)
        } else {
            protocolName = nil
            subscribedTopics = computeSubscribedTopics()
            transition(to: .empty, now: now)
        }
        pendingSyncMembers.removeAll()
    }
}
