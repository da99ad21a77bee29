import KafkaProtocol

/// The transaction coordinator's decisions (Kafka's `TransactionCoordinator` with
/// `TransactionMetadata`'s transitions), as a struct with no I/O.
///
/// Each request is checked against the transactional id's metadata and yields an
/// error code and, when something changes, a ``TransactionChange``: the new metadata,
/// which the owner makes durable before applying it and answering, and the markers to
/// write. ``apply(_:)`` then installs it. Nothing here allocates producer ids or
/// touches partitions: a new producer id is passed in by the caller.
///
/// Error codes follow Kafka 4.0's coordinator (KAFKA-RULES "Transactions"):
/// - an unknown transactional id, or a producer id that is not the transaction's:
///   INVALID_PRODUCER_ID_MAPPING (49);
/// - the transaction's producer id with another epoch: PRODUCER_FENCED (90), which
///   handlers turn into INVALID_PRODUCER_EPOCH (47) for the request versions before it;
/// - a request while markers are being written: CONCURRENT_TRANSACTIONS (51),
///   retriable;
/// - EndTxn that does not fit the state: INVALID_TXN_STATE (48);
/// - a timeout outside (0, transaction.max.timeout.ms]: INVALID_TRANSACTION_TIMEOUT (50).
struct TransactionCoordinatorState: Sendable {
    private(set) var transactions: [String: TransactionMetadata] = [:]
    /// `transaction.max.timeout.ms`.
    let maximumTimeoutMs: Int32

    init(maximumTimeoutMs: Int32) {
        self.maximumTimeoutMs = maximumTimeoutMs
    }

    /// What a request changes: metadata to store, then markers to write.
    struct TransactionChange: Hashable, Sendable {
        var metadata: TransactionMetadata
        var markers: TransactionMarkerJob?
    }

    /// A decision: the error to answer (NONE on success) and the change, if any.
    struct Decision: Hashable, Sendable {
        var error: KafkaErrorCode
        var change: TransactionChange?

        static func fail(_ error: KafkaErrorCode) -> Decision { Decision(error: error, change: nil) }
        static let unchanged = Decision(error: .none, change: nil)
    }

    /// Installs a change; a Dead transactional id is forgotten.
    mutating func apply(_ change: TransactionChange) {
        load(change.metadata)
    }

    /// Installs metadata read back from the store (last record per id wins; a Dead
    /// record is the tombstone of an expired id).
    mutating func load(_ metadata: TransactionMetadata) {
        if metadata.state == .dead {
            transactions[metadata.transactionalId] = nil
        } else {
            transactions[metadata.transactionalId] = metadata
        }
    }

    // MARK: InitProducerId

    /// InitProducerId with a transactional id (Kafka's `handleInitProducerId`).
    ///
    /// - Parameters:
    ///   - expected: the producer id and epoch the producer holds (KIP-360), nil when it
    ///     has none (-1/-1 on the wire).
    ///   - newProducerId: hands out a fresh producer id; nil when that failed.
    func initProducerId(
        _ transactionalId: String, timeoutMs: Int32, expected: (producerId: Int64, epoch: Int16)?, now: Int64,
        newProducerId: () -> Int64?
    ) -> Decision {
        guard timeoutMs > 0, timeoutMs <= maximumTimeoutMs else { return .fail(.invalidTransactionTimeout) }
        guard var metadata = transactions[transactionalId] else {
            // A producer naming an id and epoch for a transactional id the coordinator no
            // longer knows starts over with a new id, as in Kafka (its fresh metadata has
            // no epoch, which accepts any expected one).
            guard let producerId = newProducerId() else { return .fail(.coordinatorNotAvailable) }
            let metadata = TransactionMetadata(
                transactionalId: transactionalId, producerId: producerId, producerEpoch: 0, timeoutMs: timeoutMs,
                state: .empty, lastUpdateTimestamp: now)
            return Decision(error: .none, change: TransactionChange(metadata: metadata))
        }
        let isRetry = expected.map {
            $0.producerId == metadata.previousProducerId && $0.epoch == metadata.previousProducerEpoch
        } ?? false
        if let expected, !metadata.isCurrent(producerId: expected.producerId, producerEpoch: expected.epoch), !isRetry {
            return .fail(.producerFenced)
        }
        switch metadata.state {
        case .prepareCommit, .prepareAbort, .prepareEpochFence, .dead:
            return .fail(.concurrentTransactions)
        case .ongoing:
            // Fence the producer that left its transaction open and abort it with the
            // bumped epoch; the client retries (51) and gets the next epoch once the
            // abort is complete.
            var change = fenceAndAbort(metadata, now: now)
            change.metadata.timeoutMs = timeoutMs
            return Decision(error: .concurrentTransactions, change: change)
        case .empty, .completeCommit, .completeAbort:
            if isRetry {
                // A retry of an InitProducerId that succeeded: the same answer again.
                return .unchanged
            }
            metadata.previousProducerId = metadata.producerId
            metadata.previousProducerEpoch = metadata.producerEpoch
            if metadata.producerEpoch >= Int16.max - 1 {
                // Epoch exhausted: a new producer id starts over at epoch 0.
                guard let producerId = newProducerId() else { return .fail(.coordinatorNotAvailable) }
                metadata.producerId = producerId
                metadata.producerEpoch = 0
            } else {
                metadata.producerEpoch += 1
            }
            metadata.timeoutMs = timeoutMs
            metadata.state = .empty
            metadata.partitions = []
            metadata.pendingOffsets = [:]
            metadata.startTimestamp = -1
            metadata.lastUpdateTimestamp = now
            return Decision(error: .none, change: TransactionChange(metadata: metadata))
        }
    }

    /// Bumps the epoch of an open transaction and moves it to PrepareAbort, with the
    /// markers to write at the new epoch (Kafka's PrepareEpochFence then PrepareAbort).
    private func fenceAndAbort(_ metadata: TransactionMetadata, now: Int64) -> TransactionChange {
        var fenced = metadata
        if fenced.producerEpoch < Int16.max - 1 {
            fenced.previousProducerId = fenced.producerId
            fenced.previousProducerEpoch = fenced.producerEpoch
            fenced.producerEpoch += 1
        }
        return prepareEnd(fenced, commit: false, now: now)
    }

    private func prepareEnd(_ metadata: TransactionMetadata, commit: Bool, now: Int64) -> TransactionChange {
        var next = metadata
        next.state = commit ? .prepareCommit : .prepareAbort
        next.lastUpdateTimestamp = now
        let markers = TransactionMarkerJob(
            transactionalId: next.transactionalId, producerId: next.producerId, producerEpoch: next.producerEpoch,
            isCommit: commit,
            partitions: next.partitions.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) })
        return TransactionChange(metadata: next, markers: markers)
    }

    // MARK: Producer checks

    /// The metadata of a transactional id whose producer id and epoch the request names,
    /// or the error for a request that does not match.
    private func current(_ transactionalId: String, producerId: Int64, epoch: Int16) -> Lookup {
        guard let metadata = transactions[transactionalId], metadata.producerId == producerId else {
            return .failure(.invalidProducerIdMapping)
        }
        guard metadata.producerEpoch == epoch else { return .failure(.producerFenced) }
        return .success(metadata)
    }

    /// A transactional id's metadata, or why the request does not match it.
    private enum Lookup {
        case success(TransactionMetadata)
        case failure(KafkaErrorCode)
    }

    // MARK: AddPartitionsToTxn, AddOffsetsToTxn

    /// Adds partitions (and, with `group`, a group's offsets) to the producer's
    /// transaction, starting it if none is open (Kafka's `handleAddPartitionsToTransaction`).
    func addToTransaction(
        _ transactionalId: String, producerId: Int64, epoch: Int16, partitions: [TopicPartition], group: String? = nil,
        now: Int64
    ) -> Decision {
        var metadata: TransactionMetadata
        switch current(transactionalId, producerId: producerId, epoch: epoch) {
        case .failure(let error): return .fail(error)
        case .success(let found): metadata = found
        }
        switch metadata.state {
        case .prepareCommit, .prepareAbort, .prepareEpochFence:
            return .fail(.concurrentTransactions)
        case .dead:
            return .fail(.invalidTxnState)
        case .ongoing:
            let hasGroup = group.map { metadata.pendingOffsets[$0] != nil } ?? true
            if hasGroup, metadata.partitions.isSuperset(of: partitions) { return .unchanged }
        case .empty, .completeCommit, .completeAbort:
            metadata.state = .ongoing
            metadata.partitions = []
            metadata.pendingOffsets = [:]
            metadata.startTimestamp = now
        }
        metadata.partitions.formUnion(partitions)
        if let group, metadata.pendingOffsets[group] == nil { metadata.pendingOffsets[group] = [:] }
        metadata.lastUpdateTimestamp = now
        return Decision(error: .none, change: TransactionChange(metadata: metadata))
    }

    /// KIP-890 verification: NONE when `partition` is in the producer's ongoing
    /// transaction, else why not (INVALID_TXN_STATE when the producer is right but the
    /// partition was not added).
    func verify(_ transactionalId: String, producerId: Int64, epoch: Int16, partition: TopicPartition) -> KafkaErrorCode {
        switch current(transactionalId, producerId: producerId, epoch: epoch) {
        case .failure(let error): return error
        case .success(let metadata):
            return metadata.state == .ongoing && metadata.partitions.contains(partition) ? .none : .invalidTxnState
        }
    }

    // MARK: TxnOffsetCommit

    /// Records offsets the transaction commits for `group`, which AddOffsetsToTxn must
    /// have added; OffsetFetch sees them once the transaction commits.
    func commitOffsets(
        _ transactionalId: String, producerId: Int64, epoch: Int16, group: String,
        offsets: [TopicPartition: PendingTransactionOffset], now: Int64
    ) -> Decision {
        var metadata: TransactionMetadata
        switch current(transactionalId, producerId: producerId, epoch: epoch) {
        case .failure(let error): return .fail(error)
        case .success(let found): metadata = found
        }
        guard metadata.state == .ongoing, metadata.pendingOffsets[group] != nil else { return .fail(.invalidTxnState) }
        metadata.pendingOffsets[group, default: [:]].merge(offsets) { _, new in new }
        metadata.lastUpdateTimestamp = now
        return Decision(error: .none, change: TransactionChange(metadata: metadata))
    }

    // MARK: EndTxn

    /// EndTxn (Kafka's `handleEndTransaction`, transactions version 1): an ongoing
    /// transaction moves to PrepareCommit/PrepareAbort and its markers are to be
    /// written; a retry after that is answered NONE (or 51 while markers are pending),
    /// the opposite outcome INVALID_TXN_STATE.
    func endTransaction(_ transactionalId: String, producerId: Int64, epoch: Int16, commit: Bool, now: Int64) -> Decision {
        let metadata: TransactionMetadata
        switch current(transactionalId, producerId: producerId, epoch: epoch) {
        case .failure(let error): return .fail(error)
        case .success(let found): metadata = found
        }
        switch (metadata.state, commit) {
        case (.ongoing, _):
            return Decision(error: .none, change: prepareEnd(metadata, commit: commit, now: now))
        case (.completeCommit, true), (.completeAbort, false):
            return .unchanged
        case (.prepareCommit, true), (.prepareAbort, false), (.prepareEpochFence, _):
            return .fail(.concurrentTransactions)
        case (.completeCommit, false), (.completeAbort, true), (.prepareCommit, false), (.prepareAbort, true),
            (.empty, _), (.dead, _):
            return .fail(.invalidTxnState)
        }
    }

    /// The markers of `job` are on every partition: the transaction completes. Returns
    /// the change to store, or nil when the transaction moved on meanwhile.
    func markersWritten(_ job: TransactionMarkerJob, now: Int64) -> TransactionChange? {
        guard var metadata = transactions[job.transactionalId], metadata.state.isPreparing,
            metadata.producerId == job.producerId, metadata.producerEpoch == job.producerEpoch
        else { return nil }
        metadata.state = job.isCommit ? .completeCommit : .completeAbort
        metadata.partitions = []
        metadata.pendingOffsets = [:]
        metadata.startTimestamp = -1
        metadata.lastUpdateTimestamp = now
        return TransactionChange(metadata: metadata)
    }

    // MARK: Timeouts and recovery

    /// The transactional ids whose ongoing transaction is open longer than its timeout
    /// (Kafka's `abortTimedOutTransactions` looks for them periodically).
    func timedOutTransactionalIds(now: Int64) -> [String] {
        transactions.values.filter { isTimedOut($0, now: now) }.map(\.transactionalId).sorted()
    }

    /// Fences and aborts the transaction of `transactionalId` if it is still open past
    /// its timeout; nothing changes otherwise (it ended meanwhile).
    func abortIfTimedOut(_ transactionalId: String, now: Int64) -> Decision {
        guard let metadata = transactions[transactionalId], isTimedOut(metadata, now: now) else { return .unchanged }
        return Decision(error: .none, change: fenceAndAbort(metadata, now: now))
    }

    private func isTimedOut(_ metadata: TransactionMetadata, now: Int64) -> Bool {
        metadata.state == .ongoing && metadata.startTimestamp >= 0 && now - metadata.startTimestamp > Int64(metadata.timeoutMs)
    }

    /// Transactional ids unused for `expirationMs` with no transaction open or ending
    /// (Kafka's `transactional.id.expiration.ms`).
    func expiredTransactionalIds(now: Int64, expirationMs: Int64) -> [String] {
        transactions.values.filter { isExpired($0, now: now, expirationMs: expirationMs) }.map(\.transactionalId).sorted()
    }

    /// Moves an expired transactional id to Dead, which forgets it once stored.
    func expire(_ transactionalId: String, now: Int64, expirationMs: Int64) -> Decision {
        guard var metadata = transactions[transactionalId], isExpired(metadata, now: now, expirationMs: expirationMs)
        else { return .unchanged }
        metadata.state = .dead
        metadata.lastUpdateTimestamp = now
        return Decision(error: .none, change: TransactionChange(metadata: metadata))
    }

    private func isExpired(_ metadata: TransactionMetadata, now: Int64, expirationMs: Int64) -> Bool {
        switch metadata.state {
        case .empty, .completeCommit, .completeAbort: now - metadata.lastUpdateTimestamp > expirationMs
        case .ongoing, .prepareCommit, .prepareAbort, .prepareEpochFence, .dead: false
        }
    }

    /// The markers still to write after a restart: every transaction that was ending.
    func pendingMarkers() -> [TransactionMarkerJob] {
        transactions.values.filter(\.state.isPreparing).sorted { $0.transactionalId < $1.transactionalId }.map {
            var job = prepareEnd($0, commit: $0.state == .prepareCommit, now: $0.lastUpdateTimestamp).markers!
            job.isRecovery = true
            return job
        }
    }
}
