import KafkaProtocol

extension ClassicGroup {
    /// Whether an OffsetCommit from this member and generation may commit (Kafka's
    /// `ClassicGroup.validateOffsetCommit`).
    ///
    /// Generation -1 with no member id is a consumer that assigns partitions itself (or
    /// an admin client): accepted only while the group has no members. A member commits
    /// with its own generation; during CompletingRebalance it gets REBALANCE_IN_PROGRESS,
    /// since it has a new generation but not yet its assignment.
    func validateOffsetCommit(memberID: String, instanceID: String?, generationID requested: Int32) -> KafkaErrorCode? {
        if state == .dead { return .coordinatorNotAvailable }
        if requested < 0 && state == .empty { return nil }
        if requested >= 0 || !memberID.isEmpty || instanceID != nil {
            if let error = validateMember(memberID, instanceID: instanceID) { return error }
            if requested != generationID { return .illegalGeneration }
        } else if state != .empty {
            return .unknownMemberId
        }
        if state == .completingRebalance { return .rebalanceInProgress }
        return nil
    }

    /// A commit in Stable or PreparingRebalance counts as a heartbeat of the member.
    mutating func offsetCommitted(by memberID: String, now: Int64) {
        if state == .stable || state == .preparingRebalance, members[memberID] != nil {
            rescheduleHeartbeat(memberID, now: now)
        }
    }

    /// Deletes the offsets whose retention has passed and returns them (KIP-211):
    /// - a group with a protocol type: only while Empty, counted from when it became
    ///   Empty; or, a consumer group in Stable that knows its subscriptions, offsets of
    ///   topics nobody subscribes to, counted from their commit;
    /// - a group that never had members: counted from each commit;
    /// - an offset committed with an explicit retention (OffsetCommit v2-4): at its
    ///   expire timestamp instead.
    mutating func expireOffsets(now: Int64, retentionMs: Int64) -> [TopicPartition] {
        let base: (CommittedOffset) -> Int64
        if protocolType != nil {
            if state == .empty {
                let since = stateTimestamp
                base = { since ?? $0.commitTimestamp }
            } else if usesConsumerProtocol, subscribedTopics != nil, state == .stable {
                base = { $0.commitTimestamp }
            } else {
                return []
            }
        } else {
            base = { $0.commitTimestamp }
        }
        let expired = offsets.filter { partition, offset in
            guard !isSubscribed(toTopic: partition.topic) || state == .empty else { return false }
            if let expireTimestamp = offset.expireTimestamp { return now >= expireTimestamp }
            return now - base(offset) >= retentionMs
        }.map(\.key)
        for partition in expired { offsets[partition] = nil }
        return expired.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
    }
}
