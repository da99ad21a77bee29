import KafkaProtocol

extension GroupCoordinatorState {
    /// One partition of an OffsetCommit.
    struct OffsetToCommit: Sendable, Equatable {
        var partition: TopicPartition
        var offset: Int64
        var leaderEpoch: Int32
        var metadata: String?
    }

    /// What an OffsetCommit will do once its records are durable.
    struct CommitPlan: Sendable, Equatable {
        /// Fails every partition (group or member checks).
        var error: KafkaErrorCode?
        /// Per partition: NONE, or why that partition is not committed.
        var partitionErrors: [TopicPartition: KafkaErrorCode] = [:]
        var offsets: [TopicPartition: CommittedOffset] = [:]
    }

    /// Checks an OffsetCommit (Kafka's `OffsetMetadataManager.commitOffset`) without
    /// changing anything; `applyCommit` applies the plan after the store has it.
    func planCommit(
        groupID: String, memberID: String, instanceID: String?, generationID: Int32, retentionTimeMs: Int64,
        version: Int16, partitions: [OffsetToCommit], now: Int64
    ) -> CommitPlan {
        var plan = CommitPlan()
        if groupID.isEmpty {
            plan.error = .invalidGroupId
        } else if let group = groups[groupID] {
            plan.error = group.validateOffsetCommit(memberID: memberID, instanceID: instanceID, generationID: generationID)
        } else if generationID >= 0 {
            // A member of a group that does not exist. v9 says so (KIP-848); older
            // versions keep the answer clients already handle.
            plan.error = version >= 9 ? .groupIdNotFound : .illegalGeneration
        }
        // Otherwise generation -1 and no group: a "simple" group is created on apply.
        if let error = plan.error {
            for entry in partitions { plan.partitionErrors[entry.partition] = error }
            return plan
        }
        // OffsetCommit v2-4 may set a retention; -1 (and every later version) means the
        // broker's offsets.retention.
        let expireTimestamp = retentionTimeMs == -1 ? nil : now + retentionTimeMs
        for entry in partitions {
            if let metadata = entry.metadata, metadata.utf16.count > configuration.offsetMetadataMaximumBytes {
                plan.partitionErrors[entry.partition] = .offsetMetadataTooLarge
                continue
            }
            plan.partitionErrors[entry.partition] = KafkaErrorCode.none
            plan.offsets[entry.partition] = CommittedOffset(
                offset: entry.offset, leaderEpoch: entry.leaderEpoch, metadata: entry.metadata ?? "",
                commitTimestamp: now, expireTimestamp: expireTimestamp)
        }
        return plan
    }

    /// The store records of a plan, in a stable order.
    func records(of plan: CommitPlan, groupID: String) -> [OffsetStoreRecord] {
        plan.offsets.sorted { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }.map {
            .offsetCommit(groupID: groupID, partition: $0.key, offset: $0.value)
        }
    }

    /// Applies a planned commit (its records are durable by now).
    mutating func applyCommit(_ plan: CommitPlan, groupID: String, memberID: String, now: Int64) {
        guard plan.error == nil else { return }
        modifyGroup(groupID, creatingIfMissing: true) { group in
            for (partition, offset) in plan.offsets { group.offsets[partition] = offset }
            group.offsetCommitted(by: memberID, now: now)
        }
    }

    /// OffsetFetch of one group: the committed offset of each partition asked for (nil:
    /// none), or of every partition with one when `partitions` is nil. A group that does
    /// not exist has no offsets; that is not an error.
    func fetchOffsets(groupID: String, partitions: [TopicPartition]?) -> [(TopicPartition, CommittedOffset?)] {
        let group = groups[groupID].flatMap { $0.state == .dead ? nil : $0 }
        guard let partitions else {
            return (group?.offsets ?? [:]).sorted { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }
                .map { ($0.key, $0.value) }
        }
        return partitions.map { ($0, group?.offsets[$0]) }
    }

    /// OffsetDelete: the request-level error, the per-partition errors, and the
    /// tombstones to store. Offsets of topics the members subscribe to stay
    /// (GROUP_SUBSCRIBED_TO_TOPIC); a group of another protocol must be empty.
    func planOffsetDelete(groupID: String, partitions: [TopicPartition])
        -> (error: KafkaErrorCode, partitionErrors: [TopicPartition: KafkaErrorCode], records: [OffsetStoreRecord])
    {
        if groupID.isEmpty { return (.invalidGroupId, [:], []) }
        guard let group = groups[groupID], group.state != .dead else { return (.groupIdNotFound, [:], []) }
        switch group.state {
        case .stable, .preparingRebalance, .completingRebalance:
            if !group.usesConsumerProtocol { return (.nonEmptyGroup, [:], []) }
        case .empty, .dead:
            break
        }
        var errors: [TopicPartition: KafkaErrorCode] = [:]
        var records: [OffsetStoreRecord] = []
        for partition in partitions {
            if group.state != .empty && group.isSubscribed(toTopic: partition.topic) {
                errors[partition] = .groupSubscribedToTopic
            } else {
                errors[partition] = KafkaErrorCode.none
                if group.offsets[partition] != nil {
                    records.append(.offsetDelete(groupID: groupID, partition: partition))
                }
            }
        }
        return (.none, errors, records)
    }

    /// Applies tombstones of offsets and groups (after the store has them).
    mutating func apply(tombstones: [OffsetStoreRecord]) {
        for record in tombstones {
            switch record {
            case .offsetDelete(let groupID, let partition):
                modifyGroup(groupID) { $0.offsets[partition] = nil }
            case .groupDelete(let groupID):
                removeGroup(groupID)
            case .offsetCommit, .groupMetadata:
                continue
            }
        }
    }

    /// Offsets past their retention, and Empty groups left with no offsets, are deleted
    /// (Kafka's periodic `cleanupGroupMetadata`). Returns the tombstones to store.
    mutating func expireOffsets(now: Int64) -> [OffsetStoreRecord] {
        var tombstones: [OffsetStoreRecord] = []
        let retention = configuration.offsetsRetention.milliseconds
        for groupID in groups.keys.sorted() {
            let expired = modifyGroup(groupID) { $0.expireOffsets(now: now, retentionMs: retention) } ?? []
            tombstones += expired.map { .offsetDelete(groupID: groupID, partition: $0) }
            if let group = groups[groupID], group.state == .empty, group.offsets.isEmpty, group.pendingJoinMembers.isEmpty {
                removeGroup(groupID)
                tombstones.append(.groupDelete(groupID: groupID))
            }
        }
        return tombstones
    }
}
