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

    private enum DueTimer {
        case pendingMember(String)
        case heartbeat(String)
        case join(JoinTimer)
        case sync(SyncTimer)
    }

    /// The earliest timer due at `now` (ties: pending ids, sessions, join, sync), so that
    /// a clock that jumps still fires them in the order they expired.
    private func earliestDueTimer(now: Int64) -> DueTimer? {
        var best: (deadline: Int64, timer: DueTimer)?
        func consider(_ deadline: Int64, _ timer: DueTimer) {
            if deadline <= now, best.map({ deadline < $0.deadline }) ?? true { best = (deadline, timer) }
        }
        for (memberID, deadline) in pendingJoinMembers.sorted(by: { $0.key < $1.key }) {
            consider(deadline, .pendingMember(memberID))
        }
        for memberID in memberOrder {
            if let deadline = members[memberID]?.heartbeatDeadline { consider(deadline, .heartbeat(memberID)) }
        }
        if let joinTimer { consider(joinTimer.deadline, .join(joinTimer)) }
        if let syncTimer { consider(syncTimer.deadline, .sync(syncTimer)) }
        return best?.timer
    }

    private mutating func fireOneTimer(now: Int64, into actions: inout [GroupAction]) -> Bool {
        guard let due = earliestDueTimer(now: now) else { return false }
        switch due {
        case .pendingMember(let memberID):
            // KIP-394: the member id was never used to join.
            pendingJoinMembers[memberID] = nil
            if state == .preparingRebalance && hasAllMembersJoined { completeJoinPhase(now: now, into: &actions) }
        case .heartbeat(let memberID):
            expireHeartbeat(of: memberID, now: now, into: &actions)
        case .join(let timer):
            switch timer {
            case .initial(_, let delay, let remaining):
                if newMemberAdded && remaining != 0 {
                    // Someone joined during the delay: wait again, within the rebalance timeout.
                    newMemberAdded = false
                    let next = min(settings.initialRebalanceDelayMs, remaining)
                    joinTimer = .initial(deadline: now + next, delay: next, remaining: max(remaining - delay, 0))
                } else {
                    completeJoinPhase(now: now, into: &actions)
                }
            case .rebalance:
                completeJoinPhase(now: now, into: &actions)
            }
        case .sync(let timer):
            syncTimer = nil
            if timer.generation == generationID, state == .completingRebalance || state == .stable,
                !pendingSyncMembers.isEmpty
            {
                for memberID in memberOrder where pendingSyncMembers.contains(memberID) {
                    remove(memberID, into: &actions)
                }
                prepareRebalance(now: now, into: &actions)
            }
        }
        return true
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
