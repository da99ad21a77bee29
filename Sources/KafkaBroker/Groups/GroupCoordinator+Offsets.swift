import KafkaProtocol

extension GroupCoordinator {
    /// OffsetCommit: checks the group and member, makes the offsets durable (one append
    /// and fsync for the whole request), then applies them. Returns each partition's error.
    func commitOffsets(
        groupID: String, memberID: String, instanceID: String?, generationID: Int32, retentionTimeMs: Int64,
        version: Int16, partitions: [GroupCoordinatorState.OffsetToCommit]
    ) -> [TopicPartition: KafkaErrorCode] {
        let result = write { state, now, store -> [TopicPartition: KafkaErrorCode] in
            let plan = state.planCommit(
                groupID: groupID, memberID: memberID, instanceID: instanceID, generationID: generationID,
                retentionTimeMs: retentionTimeMs, version: version, partitions: partitions, now: now)
            do {
                try store(state.records(of: plan, groupID: groupID))
            } catch {
                // Nothing was applied; the client retries.
                return plan.partitionErrors.mapValues { $0 == .none ? .coordinatorNotAvailable : $0 }
            }
            state.applyCommit(plan, groupID: groupID, memberID: memberID, now: now)
            return plan.partitionErrors
        }
        return result ?? Dictionary(partitions.map { ($0.partition, KafkaErrorCode.coordinatorNotAvailable) }) { first, _ in first }
    }

    /// OffsetFetch of one group (`partitions` nil: every committed partition), or nil when
    /// the coordinator is shutting down.
    func fetchOffsets(groupID: String, partitions: [TopicPartition]?) -> [(TopicPartition, CommittedOffset?)]? {
        guard isActive else { return nil }
        return withState { $0.fetchOffsets(groupID: groupID, partitions: partitions) }
    }

    /// OffsetDelete: the request error and each partition's.
    func deleteOffsets(groupID: String, partitions: [TopicPartition])
        -> (error: KafkaErrorCode, partitions: [TopicPartition: KafkaErrorCode])
    {
        let result = write { state, _, store -> (KafkaErrorCode, [TopicPartition: KafkaErrorCode]) in
            let plan = state.planOffsetDelete(groupID: groupID, partitions: partitions)
            guard plan.error == .none else { return (plan.error, [:]) }
            do {
                try store(plan.records)
            } catch {
                return (.coordinatorNotAvailable, [:])
            }
            state.apply(tombstones: plan.records)
            return (.none, plan.partitionErrors)
        }
        return result ?? (.coordinatorNotAvailable, [:])
    }
}

extension GroupCoordinator {
    /// Commits the offsets of a transaction that has committed (TxnOffsetCommit's offsets
    /// become visible only now): stored durably, then applied, with no member or
    /// generation check (those were made when TxnOffsetCommit arrived). Returns false
    /// when the store failed; the caller retries.
    func commitTransactionalOffsets(groupID: String, offsets: [TopicPartition: PendingTransactionOffset]) -> Bool {
        let result = write { state, now, store -> Bool in
            var plan = GroupCoordinatorState.CommitPlan()
            for (partition, offset) in offsets {
                plan.partitionErrors[partition] = KafkaErrorCode.none
                plan.offsets[partition] = CommittedOffset(
                    offset: offset.offset, leaderEpoch: offset.leaderEpoch, metadata: offset.metadata,
                    commitTimestamp: now, expireTimestamp: nil)
            }
            do {
                try store(state.records(of: plan, groupID: groupID))
            } catch {
                return false
            }
            state.applyCommit(plan, groupID: groupID, memberID: "", now: now)
            return true
        }
        return result ?? false
    }

    /// The error a TxnOffsetCommit's member and generation get from the group, nil when
    /// they may commit. Groups that do not exist accept any commit, as for OffsetCommit
    /// with generation -1.
    func validateTransactionalCommit(groupID: String, memberID: String, instanceID: String?, generationID: Int32)
        -> KafkaErrorCode?
    {
        guard isActive else { return .coordinatorNotAvailable }
        return withState { state in
            state.groups[groupID]?.validateOffsetCommit(memberID: memberID, instanceID: instanceID, generationID: generationID)
        }
    }
}
