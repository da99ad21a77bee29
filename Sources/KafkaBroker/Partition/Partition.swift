import Foundation
import KafkaProtocol
import NIOCore

/// One topic-partition as the request handlers see it: its log, its producers' state
/// and its leader epoch, behind one lock.
///
/// Produce goes through ``append(records:request:)``; Fetch, ListOffsets and
/// DeleteRecords through the pass-throughs in `Partition+Read.swift`.
///
/// ## Concurrency
/// Every access to the log and the producer state holds `lock`, so appends are
/// serialized (which the producer-sequence check needs: check, append and state update
/// must not interleave with another append) and reads see whole appends. File I/O
/// happens under the lock; that is accepted for an embedded broker. Validation, which
/// may decompress and recompress, runs before the lock is taken, and the change
/// handler is called after it is released, so a woken Fetch can read at once.
///
/// Once a ``PartitionLog`` is handed to a `Partition`, nothing else may call it
/// (retention, flushes and closing go through ``applyRetention()``, ``flushIfDue()``
/// and ``close()``), because `PartitionLog` is not thread-safe.
public final class Partition: @unchecked Sendable {
    // @unchecked: every stored `var` below is read and written only with `lock` held.

    public let topicPartition: TopicPartition
    let clock: any LogClock
    let lock = NSLock()

    var log: PartitionLog
    var producers: ProducerStateManager
    /// The transactions that ended with an ABORT marker here, by marker offset (Kafka's
    /// `.txnindex`). Rebuilt from the log when the partition opens, which is what Kafka
    /// does too when the index is missing; entries below the log start are dropped as
    /// retention moves it.
    var abortedIndex: [AbortedTransaction]
    var leaderEpochValue: Int32
    var validator: ProduceValidator
    var changeHandler: (@Sendable (PartitionChange) -> Void)?
    /// Kafka's `producer.id.expiration.check.interval.ms`.
    let producerExpirationCheckIntervalMs: Int64
    var lastProducerExpirationCheck: Int64

    /// Wraps an open log, rebuilding the producer state by reading the log's batches.
    ///
    /// - Parameters:
    ///   - log: the partition's log; from now on only this object may use it.
    ///   - topicConfig: the topic's configuration (produce rules).
    ///   - leaderEpoch: written into bytes 12..15 of every appended batch.
    ///   - producerIdExpirationMs: `producer.id.expiration.ms` (default one day).
    ///   - producerIdExpirationCheckIntervalMs: how often appends look for expired
    ///     producers (`producer.id.expiration.check.interval.ms`, default 10 minutes).
    ///   - clock: the time used for timestamps checks, LogAppendTime and expiration.
    ///   - onChange: called after each append, outside the lock.
    /// - Throws: `StorageError` when the log cannot be read.
    public init(
        log: PartitionLog, topicConfig: TopicConfig, leaderEpoch: Int32 = 0,
        producerIdExpirationMs: Int64 = ProducerStateManager.defaultExpirationMilliseconds,
        producerIdExpirationCheckIntervalMs: Int64 = 600_000,
        clock: any LogClock = SystemLogClock(), onChange: (@Sendable (PartitionChange) -> Void)? = nil
    ) throws {
        self.topicPartition = log.topicPartition
        self.clock = clock
        self.log = log
        self.leaderEpochValue = leaderEpoch
        self.validator = ProduceValidator(topicPartition: log.topicPartition, topicConfig: topicConfig)
        self.changeHandler = onChange
        self.producerExpirationCheckIntervalMs = producerIdExpirationCheckIntervalMs
        (self.producers, self.abortedIndex) = try Self.loadProducerState(
            from: log, expirationMilliseconds: producerIdExpirationMs, nowMilliseconds: clock.nowMilliseconds)
        self.lastProducerExpirationCheck = clock.nowMilliseconds
    }

    /// Replays every batch from the log start offset to the log end into a fresh
    /// producer state, then drops the producers that have expired meanwhile. The ABORT
    /// markers met on the way make the aborted-transaction index.
    static func loadProducerState(
        from log: PartitionLog, expirationMilliseconds: Int64, nowMilliseconds: Int64
    ) throws -> (ProducerStateManager, [AbortedTransaction]) {
        var state = ProducerStateManager(topicPartition: log.topicPartition, expirationMilliseconds: expirationMilliseconds)
        var aborted: [AbortedTransaction] = []
        var offset = log.logStartOffset
        while offset < log.logEndOffset {
            let read = try log.read(from: offset, maxBytes: 1 << 20, minOneBatch: true, upperBound: log.logEndOffset)
            var batches = RecordBatchSequence(read.records).makeIterator()
            var next = offset
            while let batch = try batches.next() {
                if let completed = state.replay(batch), completed.isAborted {
                    aborted.append(AbortedTransaction(
                        producerId: completed.producerId, firstOffset: completed.firstOffset, lastOffset: completed.markerOffset))
                }
                next = batch.nextOffset
            }
            guard next > offset else { break }  // nothing readable: never loop forever
            offset = next
        }
        state.removeExpiredProducers(nowMilliseconds: nowMilliseconds)
        return (state, aborted)
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    // MARK: Offsets and state

    /// The first offset readers may see.
    public var logStartOffset: Int64 { withLock { log.logStartOffset } }
    /// The end of what consumers may read.
    public var highWatermark: Int64 { withLock { log.highWatermark } }
    /// The next offset to be assigned.
    public var logEndOffset: Int64 { withLock { log.logEndOffset } }

    /// The leader epoch written into appended batches.
    public var leaderEpoch: Int32 { withLock { leaderEpochValue } }

    /// Sets the leader epoch for later appends (on a leadership change).
    public func setLeaderEpoch(_ epoch: Int32) {
        withLock { leaderEpochValue = epoch }
    }

    /// Replaces the handler called after each append.
    public func setChangeHandler(_ handler: (@Sendable (PartitionChange) -> Void)?) {
        withLock { changeHandler = handler }
    }

    /// Applies a topic configuration change: the produce rules at once, and the storage
    /// settings when given (the broker derives them with `TopicConfig.logConfig(base:)`).
    public func updateConfig(_ topicConfig: TopicConfig, logConfig: LogConfig? = nil) throws {
        try withLock {
            if let logConfig { try log.updateConfig(logConfig) }
            validator = ProduceValidator(topicPartition: topicPartition, topicConfig: topicConfig)
        }
    }

    /// The produce rules in force.
    public var produceSettings: ProduceSettings { withLock { validator.settings } }

    /// Every producer's state (DescribeProducers).
    public func describeProducers() -> [ProducerDescription] {
        withLock { producers.describeProducers() }
    }

    /// Forgets expired producers now (appends also do it, once per check interval).
    public func removeExpiredProducers() {
        let now = clock.nowMilliseconds
        withLock {
            producers.removeExpiredProducers(nowMilliseconds: now)
            lastProducerExpirationCheck = now
        }
    }

    // MARK: Log maintenance

    /// Runs retention on the log (see ``PartitionLog/applyRetention()``).
    @discardableResult
    public func applyRetention() throws -> RetentionOutcome {
        try withLock {
            let outcome = try log.applyRetention()
            let start = log.logStartOffset
            abortedIndex.removeAll { $0.lastOffset < start }
            return outcome
        }
    }

    /// Runs a log-cleaner pass over the log (see ``PartitionLog/clean(config:activeProducers:firstUnstableOffset:force:)``),
    /// under the lock, so reads and appends wait for it and then see the cleaned log.
    /// The producer state supplies what the cleaner must keep: each unexpired producer's
    /// last batch, and nothing at or past the first offset of an open transaction. The
    /// aborted-transaction index is rebuilt from the cleaned log.
    @discardableResult
    public func clean(config: CleanerConfig, force: Bool = false) throws -> CleaningOutcome {
        try withLock {
            var lastRecords: [Int64: ProducerLastRecord] = [:]
            var firstUnstableOffset: Int64?
            for (producerId, entry) in producers.producers {
                lastRecords[producerId] = ProducerLastRecord(lastDataOffset: entry.batches.last?.lastOffset,
                                                             producerEpoch: entry.producerEpoch)
                if let first = entry.currentTransactionFirstOffset {
                    firstUnstableOffset = min(firstUnstableOffset ?? first, first)
                }
            }
            let outcome = try log.clean(config: config, activeProducers: lastRecords,
                                        firstUnstableOffset: firstUnstableOffset, force: force)
            if outcome.didClean {
                // As Kafka's cleaner rewrites the transaction index of cleaned segments:
                // a transaction whose aborted data is gone is no longer listed, so a
                // read_committed reader never waits for a marker the cleaner removed.
                abortedIndex = try AbortedTransactionScanner.collect(in: log.segments, upperBound: log.logEndOffset)
            }
            return outcome
        }
    }

    /// Flushes the log if its flush policy says so.
    public func flushIfDue() throws {
        try withLock { try log.flushIfDue() }
    }

    /// Closes the log cleanly.
    public func close() throws {
        try withLock { try log.close() }
    }
}
