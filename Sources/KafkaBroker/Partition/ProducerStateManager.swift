import KafkaProtocol

/// The idempotence and transaction state of one partition's producers (Kafka's
/// `ProducerStateManager` with `ProducerAppendInfo`'s checks).
///
/// A struct of decisions: ``check(_:)`` says whether a batch may be appended, is a
/// retry of a recent batch, or breaks the epoch or sequence rules; ``recordAppend(_:firstOffset:)``
/// updates the state once the log has the batch. The owner (``Partition``) calls both
/// under its lock, with the append in between, so the state never runs ahead of the
/// log when an append fails.
///
/// The rules (KAFKA-RULES.md "Producer ids and sequences", FINDINGS b):
/// - An unknown producer (or one with no epoch yet) may start at any sequence (KIP-360).
/// - A retry of one of the last five batches (same epoch, same first and last sequence)
///   is a duplicate: the original offsets are returned and nothing is appended.
/// - A lower epoch than the stored one: INVALID_PRODUCER_EPOCH (47).
/// - A higher epoch must start at sequence 0: OUT_OF_ORDER_SEQUENCE_NUMBER (45).
/// - The same epoch must continue at last + 1, wrapping after Int32.max (45).
/// - A non-transactional batch while the producer's transaction is open: INVALID_TXN_STATE (48).
public struct ProducerStateManager: Hashable, Sendable {
    /// What to do with a batch that passed the producer checks.
    public enum Decision: Hashable, Sendable {
        /// Append it, then call ``recordAppend(_:firstOffset:)``.
        case append
        /// A retry of a batch already in the log: answer with its offsets, append nothing.
        case duplicate(ProducerStateEntry.BatchMetadata)
    }

    /// Kafka's `producer.id.expiration.ms` default: one day.
    public static let defaultExpirationMilliseconds: Int64 = 86_400_000

    public let topicPartition: TopicPartition
    /// A producer is forgotten this long after its last batch's timestamp, unless its
    /// transaction is still open (`producer.id.expiration.ms`).
    public var expirationMilliseconds: Int64
    public private(set) var producers: [Int64: ProducerStateEntry] = [:]

    public init(topicPartition: TopicPartition, expirationMilliseconds: Int64 = Self.defaultExpirationMilliseconds) {
        self.topicPartition = topicPartition
        self.expirationMilliseconds = expirationMilliseconds
    }

    // MARK: Client appends

    /// Checks a client's batch against the producer's state, in Kafka's order:
    /// duplicate first (`UnifiedLog.analyzeAndValidateProducerState`), then epoch,
    /// then sequence, then the transaction state (`ProducerAppendInfo.appendDataBatch`).
    /// Batches without a producer id always get `.append`.
    public func check(_ batch: ProducerBatch) -> Result<Decision, ProduceRejection> {
        guard batch.producerId >= 0 else { return .success(.append) }
        let entry = producers[batch.producerId] ?? ProducerStateEntry(producerId: batch.producerId)
        if let duplicate = entry.duplicate(of: batch) {
            return .success(.duplicate(duplicate))
        }
        if batch.producerEpoch < entry.producerEpoch {
            return .failure(
                ProduceRejection(
                    .invalidProducerEpoch,
                    "Epoch of producer \(batch.producerId) in \(topicPartition) is \(batch.producerEpoch), "
                        + "which is smaller than the last seen epoch \(entry.producerEpoch)",
                    reportsLogStartOffset: true))
        }
        if batch.producerEpoch != entry.producerEpoch {
            // A new epoch starts over at 0, unless there was no epoch before (KIP-360).
            if batch.baseSequence != 0, entry.producerEpoch != -1 {
                return .failure(
                    ProduceRejection(
                        .outOfOrderSequenceNumber,
                        "Invalid sequence number for new epoch of producer \(batch.producerId) in partition "
                            + "\(topicPartition): \(batch.producerEpoch) (request epoch), \(batch.baseSequence) "
                            + "(seq. number), \(entry.producerEpoch) (current producer epoch)",
                        reportsLogStartOffset: true))
            }
        } else if entry.producerEpoch != -1, !ProducerSequence.follows(batch.baseSequence, after: entry.lastSequence) {
            return .failure(
                ProduceRejection(
                    .outOfOrderSequenceNumber,
                    "Out of order sequence number for producer \(batch.producerId) in partition \(topicPartition): "
                        + "\(batch.baseSequence) (incoming seq. number), \(entry.lastSequence) (current end sequence number)",
                    reportsLogStartOffset: true))
        }
        if entry.currentTransactionFirstOffset != nil, !batch.isTransactional {
            return .failure(
                ProduceRejection(
                    .invalidTxnState,
                    "Expected transactional write from producer \(batch.producerId) in partition \(topicPartition)",
                    reportsLogStartOffset: true))
        }
        return .success(.append)
    }

    /// Records a batch the log has appended at `firstOffset`.
    public mutating func recordAppend(_ batch: ProducerBatch, firstOffset: Int64) {
        guard batch.producerId >= 0 else { return }
        producers[batch.producerId, default: ProducerStateEntry(producerId: batch.producerId)]
            .add(batch, firstOffset: firstOffset)
    }

    /// Whether the producer has an open transaction in this partition with this epoch,
    /// which makes KIP-890 verification unnecessary (Kafka's `hasOngoingTransaction`).
    public func hasOngoingTransaction(producerId: Int64, producerEpoch: Int16) -> Bool {
        guard let entry = producers[producerId] else { return false }
        return entry.currentTransactionFirstOffset != nil && entry.producerEpoch == producerEpoch
    }

    // MARK: Transaction markers

    /// A transaction that a marker has just ended in this partition.
    public struct CompletedTransaction: Hashable, Sendable {
        public var producerId: Int64
        public var firstOffset: Int64
        public var markerOffset: Int64
        public var isAborted: Bool
    }

    /// Applies a COMMIT or ABORT marker written at `offset` (Kafka's
    /// `ProducerAppendInfo.appendEndTxnMarker`): the epoch moves to the marker's, the
    /// open transaction closes. Returns the transaction it ended, if it had data here.
    ///
    /// The epoch and coordinator-epoch fencing checks Kafka makes on markers are the
    /// caller's (``Partition/appendTransactionMarker(producerId:producerEpoch:isCommit:coordinatorEpoch:)``).
    @discardableResult
    public mutating func applyTransactionMarker(
        producerId: Int64, producerEpoch: Int16, coordinatorEpoch: Int32, isCommit: Bool, offset: Int64, timestamp: Int64
    ) -> CompletedTransaction? {
        var entry = producers[producerId] ?? ProducerStateEntry(producerId: producerId)
        let completed = entry.currentTransactionFirstOffset.map {
            CompletedTransaction(producerId: producerId, firstOffset: $0, markerOffset: offset, isAborted: !isCommit)
        }
        entry.updateEpoch(producerEpoch)
        entry.currentTransactionFirstOffset = nil
        entry.coordinatorEpoch = coordinatorEpoch
        entry.lastTimestamp = timestamp
        producers[producerId] = entry
        return completed
    }

    // MARK: Rebuilding from the log

    /// Replays a batch read back from the log (at start-up, in offset order) without
    /// the client checks, as Kafka's log loading does (origin REPLICATION). Data
    /// batches refill the last-five cache, so retries are recognised across a restart;
    /// markers close transactions, and the transaction a marker closed is returned.
    @discardableResult
    public mutating func replay(_ batch: RecordBatch) -> CompletedTransaction? {
        guard batch.producerId >= 0 else { return nil }
        if batch.isControl {
            guard let marker = try? batch.controlRecords().first else { return nil }
            return applyTransactionMarker(
                producerId: batch.producerId, producerEpoch: batch.producerEpoch,
                coordinatorEpoch: marker.coordinatorEpoch, isCommit: marker.type == .commit,
                offset: batch.baseOffset, timestamp: batch.maxTimestamp)
        }
        recordAppend(
            ProducerBatch(
                producerId: batch.producerId, producerEpoch: batch.producerEpoch, baseSequence: batch.baseSequence,
                lastOffsetDelta: batch.lastOffsetDelta, maxTimestamp: batch.maxTimestamp,
                isTransactional: batch.isTransactional),
            firstOffset: batch.baseOffset)
        return nil
    }

    // MARK: Expiration and description

    /// Forgets producers whose last timestamp is `expirationMilliseconds` or more in
    /// the past and that have no open transaction (Kafka's `removeExpiredProducers`).
    /// Kafka runs this every `producer.id.expiration.check.interval.ms` (10 minutes).
    public mutating func removeExpiredProducers(nowMilliseconds: Int64) {
        producers = producers.filter { _, entry in
            entry.currentTransactionFirstOffset != nil || nowMilliseconds &- entry.lastTimestamp < expirationMilliseconds
        }
    }

    /// Every producer's state, ordered by producer id (DescribeProducers).
    public func describeProducers() -> [ProducerDescription] {
        producers.values.sorted { $0.producerId < $1.producerId }.map(ProducerDescription.init)
    }
}
