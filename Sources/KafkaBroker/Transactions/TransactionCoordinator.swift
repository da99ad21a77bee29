import KafkaProtocol
import Logging
import Synchronization

/// The transaction coordinator of an embedded cluster: the decisions of
/// ``TransactionCoordinatorState`` under a lock, made durable in a ``TransactionStore``
/// before they are applied and answered, and the markers they call for queued for the
/// marker writer (``BrokerCore/runTransactionMarkers()``).
///
/// Markers are written asynchronously, as Kafka's coordinator does: EndTxn answers once
/// PrepareCommit/PrepareAbort is durable, and the control batches reach the partitions
/// a moment later (KAFKA-RULES "Transactions"). Only then does the transaction become
/// CompleteCommit/CompleteAbort; requests for it meanwhile get CONCURRENT_TRANSACTIONS.
///
/// Races: every decision and its store append run under one lock, so two requests for
/// the same transactional id are ordered. The marker writer works outside the lock;
/// it completes the transaction through ``markersWritten(_:)``, which re-checks that the
/// transaction is still the one the markers were for.
final class TransactionCoordinator: Sendable {
    private struct Inner {
        var state: TransactionCoordinatorState
        var store: TransactionStore
        var active = true
        /// When the markers of a transaction were last queued again (``requeueStuckMarkers()``).
        var requeuedAt: [String: Int64] = [:]
    }

    let configuration: TransactionCoordinatorConfiguration
    private let clock: any LogClock
    private let logger: Logger
    private let inner: Mutex<Inner>
    private let allocateProducerId: @Sendable () throws -> Int64
    /// Marker jobs, consumed by the marker writer.
    let markerJobs: AsyncStream<TransactionMarkerJob>
    private let markerQueue: AsyncStream<TransactionMarkerJob>.Continuation

    /// Opens the store in `dataDirectory`, rebuilds every transactional id from it, and
    /// queues the markers of the transactions that were ending when the broker stopped.
    init(
        dataDirectory: String, configuration: TransactionCoordinatorConfiguration,
        allocateProducerId: @escaping @Sendable () throws -> Int64,
        fileSystem: any LogFileSystem = PosixLogFileSystem(), clock: any LogClock = SystemLogClock(), logger: Logger
    ) throws {
        self.configuration = try configuration.validated()
        self.clock = clock
        self.logger = logger
        self.allocateProducerId = allocateProducerId
        (markerJobs, markerQueue) = AsyncStream.makeStream(of: TransactionMarkerJob.self)
        let store = TransactionStore(dataDirectory: dataDirectory, fileSystem: fileSystem)
        let records = try store.load(logger: logger)
        var state = TransactionCoordinatorState(maximumTimeoutMs: Int32(configuration.maximumTimeout.milliseconds))
        for record in records { state.load(record) }
        if !records.isEmpty {
            logger.info("transaction coordinator: loaded \(state.transactions.count) transactional id(s)")
        }
        for job in state.pendingMarkers() { markerQueue.yield(job) }
        inner = Mutex(Inner(state: state, store: store))
    }

    // MARK: Requests

    /// InitProducerId with a transactional id: the error, producer id and epoch.
    func initProducerId(_ transactionalId: String, timeoutMs: Int32, expectedProducerId: Int64, expectedEpoch: Int16)
        -> (error: KafkaErrorCode, producerId: Int64, epoch: Int16)
    {
        let expected = expectedProducerId >= 0 ? (expectedProducerId, expectedEpoch) : nil
        let decided = decide { state, now in
            state.initProducerId(transactionalId, timeoutMs: timeoutMs, expected: expected, now: now) {
                do {
                    return try allocateProducerId()
                } catch {
                    logger.error("transaction coordinator: allocating a producer id failed: \(error)")
                    return nil
                }
            }
        }
        guard decided.error == .none, let metadata = transaction(transactionalId) else { return (decided.error, -1, -1) }
        return (.none, metadata.producerId, metadata.producerEpoch)
    }

    func addToTransaction(
        _ transactionalId: String, producerId: Int64, epoch: Int16, partitions: [TopicPartition], group: String? = nil
    ) -> KafkaErrorCode {
        decide { state, now in
            state.addToTransaction(
                transactionalId, producerId: producerId, epoch: epoch, partitions: partitions, group: group, now: now)
        }.error
    }

    func verify(_ transactionalId: String, producerId: Int64, epoch: Int16, partition: TopicPartition) -> KafkaErrorCode {
        inner.withLock { inner in
            guard inner.active else { return .coordinatorNotAvailable }
            return inner.state.verify(transactionalId, producerId: producerId, epoch: epoch, partition: partition)
        }
    }

    func commitOffsets(
        _ transactionalId: String, producerId: Int64, epoch: Int16, group: String,
        offsets: [TopicPartition: PendingTransactionOffset]
    ) -> KafkaErrorCode {
        decide { state, now in
            state.commitOffsets(transactionalId, producerId: producerId, epoch: epoch, group: group, offsets: offsets, now: now)
        }.error
    }

    func endTransaction(_ transactionalId: String, producerId: Int64, epoch: Int16, commit: Bool) -> KafkaErrorCode {
        decide { state, now in
            state.endTransaction(transactionalId, producerId: producerId, epoch: epoch, commit: commit, now: now)
        }.error
    }

    /// The coordinator's clock, wall time in milliseconds.
    var nowMilliseconds: Int64 { clock.nowMilliseconds }

    /// The metadata of one transactional id, if known.
    func transaction(_ transactionalId: String) -> TransactionMetadata? {
        inner.withLock { $0.state.transactions[transactionalId] }
    }

    /// Whether a transaction holds an offset for `group` and `partition` that is not
    /// committed yet (OffsetFetch with `require_stable`, KIP-447).
    func hasPendingOffset(group: String, partition: TopicPartition) -> Bool {
        inner.withLock { inner in
            inner.state.transactions.values.contains { $0.pendingOffsets[group]?[partition] != nil }
        }
    }

    /// Every transactional id's metadata, by id.
    func allTransactions() -> [TransactionMetadata] {
        inner.withLock { $0.state.transactions.values.sorted { $0.transactionalId < $1.transactionalId } }
    }

    // MARK: Markers and timeouts

    /// Called by the marker writer once every partition of `job` has its marker (and a
    /// commit's offsets are in the group coordinator): the transaction completes.
    func markersWritten(_ job: TransactionMarkerJob) {
        _ = decide { state, now in
            guard let change = state.markersWritten(job, now: now) else { return .unchanged }
            return TransactionCoordinatorState.Decision(error: .none, change: change)
        }
    }

    /// Aborts every transaction open longer than its timeout, fencing its producer.
    /// Returns how many were aborted.
    @discardableResult
    func abortTimedOutTransactions() -> Int {
        let candidates = inner.withLock { inner -> [String] in
            guard inner.active else { return [] }
            return inner.state.timedOutTransactionalIds(now: clock.nowMilliseconds)
        }
        var aborted = 0
        for transactionalId in candidates {
            // Decided again under the lock: the transaction may have ended or grown since.
            let decided = decide { state, now in state.abortIfTimedOut(transactionalId, now: now) }
            if let metadata = decided.change?.metadata {
                aborted += 1
                logger.info(
                    "transaction coordinator: aborting \(transactionalId), open longer than \(metadata.timeoutMs) ms; producer \(metadata.producerId) fenced at epoch \(metadata.producerEpoch)"
                )
            }
        }
        return aborted
    }

    /// Forgets the transactional ids unused for `transactional.id.expiration.ms` with no
    /// transaction open or ending (a Dead tombstone is stored). Returns how many.
    @discardableResult
    func expireTransactionalIds() -> Int {
        let expirationMs = configuration.transactionalIdExpiration.milliseconds
        let candidates = inner.withLock { inner -> [String] in
            guard inner.active else { return [] }
            return inner.state.expiredTransactionalIds(now: clock.nowMilliseconds, expirationMs: expirationMs)
        }
        var expired = 0
        for transactionalId in candidates {
            let decided = decide { state, now in state.expire(transactionalId, now: now, expirationMs: expirationMs) }
            if decided.change != nil { expired += 1 }
        }
        if expired > 0 { logger.info("transaction coordinator: \(expired) transactional id(s) expired") }
        return expired
    }

    /// How long a transaction may stay in PrepareCommit/PrepareAbort before its markers
    /// are queued again. Markers normally land within milliseconds; a transaction still
    /// ending after this had a marker refused by the disk.
    static let markerRetryDelayMilliseconds: Int64 = 5000

    /// Queues again, as recoveries, the markers of transactions that have been ending for
    /// longer than ``markerRetryDelayMilliseconds``. A recovery job skips partitions that
    /// already have the marker, so a job still in the queue and its retry never write two.
    @discardableResult
    func requeueStuckMarkers() -> Int {
        let jobs = inner.withLock { inner -> [TransactionMarkerJob] in
            guard inner.active else { return [] }
            let now = clock.nowMilliseconds
            let jobs = inner.state.pendingMarkers().filter { job in
                guard let metadata = inner.state.transactions[job.transactionalId] else { return false }
                let since = max(metadata.lastUpdateTimestamp, inner.requeuedAt[job.transactionalId] ?? .min)
                return now - since > Self.markerRetryDelayMilliseconds
            }
            inner.requeuedAt = inner.requeuedAt.filter { inner.state.transactions[$0.key]?.state.isPreparing == true }
            for job in jobs { inner.requeuedAt[job.transactionalId] = now }
            return jobs
        }
        for job in jobs {
            logger.warning("transaction coordinator: writing the markers of \(job.transactionalId) again")
            markerQueue.yield(job)
        }
        return jobs.count
    }

    func shutdown() {
        inner.withLock { inner in
            inner.active = false
            inner.store.close()
        }
        markerQueue.finish()
    }

    // MARK: Applying decisions

    /// Runs a decision under the lock; a change is stored durably, then applied, and its
    /// markers are queued. A store failure answers COORDINATOR_NOT_AVAILABLE and changes
    /// nothing, so the client retries.
    private func decide(
        _ body: (TransactionCoordinatorState, Int64) -> TransactionCoordinatorState.Decision
    ) -> TransactionCoordinatorState.Decision {
        let decision = inner.withLock { inner -> TransactionCoordinatorState.Decision in
            guard inner.active else { return .fail(.coordinatorNotAvailable) }
            let decision = body(inner.state, clock.nowMilliseconds)
            guard let change = decision.change else { return decision }
            do {
                try inner.store.append([change.metadata])
            } catch {
                logger.error("transaction coordinator: storing \(change.metadata.transactionalId) failed: \(error)")
                return .fail(.coordinatorNotAvailable)
            }
            inner.state.apply(change)
            if inner.store.frameCount > 2 * inner.state.transactions.count + 10_000 {
                do {
                    try inner.store.compact(to: inner.state.transactions.values.sorted { $0.transactionalId < $1.transactionalId })
                } catch {
                    logger.error("transaction coordinator: compacting \(inner.store.path) failed: \(error)")
                }
            }
            return decision
        }
        if let markers = decision.change?.markers { markerQueue.yield(markers) }
        return decision
    }
}
