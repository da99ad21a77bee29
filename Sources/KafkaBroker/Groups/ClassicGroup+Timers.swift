extension ClassicGroup {
    /// The earliest deadline the group waits for, if any.
    var nextDeadline: Int64? {
        var deadlines = pendingJoinMembers.values.map { $0 }
        deadlines += members.values.compactMap(\.heartbeatDeadline)
        if let joinTimer { deadlines.append(joinTimer.deadline) }
        if let syncTimer { deadlines.append(syncTimer.deadline) }
        return deadlines.min()
    }

    /// Fires every timer due at `now`, in Kafka's order of effects: pending member ids
    /// that were never used, expired sessions, the end of the join phase, members that
    /// never sent SyncGroup. Firing one can arm another that is already due (an initial
    /// delay of 0), so it repeats until nothing is due.
    mutating func expireTimers(now: Int64) -> [GroupAction] {
        var actions: [GroupAction] = []
        expireTimers(now: now, into: &actions)
        return actions
    }

    mutating func expireTimers(now: Int64, into actions: inout [GroupAction]) {
        // Each round removes a member, ends a phase or disarms a timer; the bound only
        // guards against a bug turning this into a spin.
        for _ in 0..<1000 {
            guard fireOneTimer(now: now, into: &actions) else { return }
        }
    }

    private mutating func fireOneTimer(now: Int64, into actions: inout [GroupAction]) -> Bool {
        if let (memberID, _) = pendingJoinMembers.first(where: { $0.value <= now }) {
            // KIP-394: the member id was never used to join.
            pendingJoinMembers[memberID] = nil
            if state == .preparingRebalance && hasAllMembersJoined { completeJoinPhase(now: now, into: &actions) }
            return true
        }
        if let memberID = memberOrder.first(where: { id in members[id]?.heartbeatDeadline.map { $0 <= now } == true }) {
            expireHeartbeat(of: memberID, now: now, into: &actions)
            return true
        }
        if let joinTimer, joinTimer.deadline <= now {
            switch joinTimer {
            case .initial(_, let delay, let remaining):
                if newMemberAdded && remaining != 0 {
                    // Someone joined during the delay: wait again, within the rebalance timeout.
                    newMemberAdded = false
                    let next = min(settings.initialRebalanceDelayMs, remaining)
                    self.joinTimer = .initial(deadline: now + next, delay: next, remaining: max(remaining - delay, 0))
                } else {
                    completeJoinPhase(now: now, into: &actions)
                }
            case .rebalance:
                completeJoinPhase(now: now, into: &actions)
            }
            return true
        }
        if let syncTimer, syncTimer.deadline <= now {
            self.syncTimer = nil
            if syncTimer.generation == generationID, state == .completingRebalance || state == .stable,
                !pendingSyncMembers.isEmpty
            {
                for memberID in memberOrder where pendingSyncMembers.contains(memberID) {
                    remove(memberID, into: &actions)
                }
                prepareRebalance(now: now, into: &actions)
            }
            return true
        }
        return false
    }

    /// A member's session timer ran out. Members waiting in a rebalance are kept (their
    /// timer restarts when the phase ends), except new members whose JoinGroup has been
    /// parked for `newMemberJoinTimeout`.
    private mutating func expireHeartbeat(of memberID: String, now: Int64, into actions: inout [GroupAction]) {
        guard let member = members[memberID] else { return }
        members[memberID]?.heartbeatDeadline = nil
        let keep = !member.isNew && (member.awaitingJoin != nil || member.awaitingSync != nil)
        guard !keep else { return }
        remove(memberID, into: &actions)
        switch state {
        case .stable, .completingRebalance:
            maybePrepareRebalanceOrCompleteJoin(now: now, into: &actions)
        case .preparingRebalance:
            if hasAllMembersJoined { completeJoinPhase(now: now, into: &actions) }
        case .empty, .dead:
            break
        }
    }
}
