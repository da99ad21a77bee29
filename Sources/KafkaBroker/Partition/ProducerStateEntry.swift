/// What a partition remembers about one producer id (Kafka's `ProducerStateEntry`).
public struct ProducerStateEntry: Hashable, Sendable {
    /// One of the producer's last appended batches, kept to recognise a retry.
    public struct BatchMetadata: Hashable, Sendable {
        public var firstSequence: Int32
        public var lastSequence: Int32
        public var firstOffset: Int64
        public var lastOffset: Int64
        /// The stored batch's maxTimestamp; a duplicate's Produce response carries it as
        /// `LogAppendTimeMs` (FINDINGS b: "the original batch's maxTimestamp (not -1)").
        public var timestamp: Int64
    }

    /// Kafka keeps the metadata of the last five batches (`NUM_BATCHES_TO_RETAIN`),
    /// matching the producer's limit of five in-flight requests per connection.
    public static let retainedBatches = 5

    public let producerId: Int64
    /// -1 ("no epoch") until a batch or marker sets it.
    public internal(set) var producerEpoch: Int16 = -1
    /// Oldest first; at most ``retainedBatches``; all of ``producerEpoch``.
    public internal(set) var batches: [BatchMetadata] = []
    /// Timestamp of the last batch or marker, which expiration compares with the clock.
    public internal(set) var lastTimestamp: Int64 = -1
    /// Epoch of the transaction coordinator that wrote the last marker (-1 for none).
    public internal(set) var coordinatorEpoch: Int32 = -1
    /// First offset of the producer's ongoing transaction in this partition.
    public internal(set) var currentTransactionFirstOffset: Int64?

    public init(producerId: Int64) {
        self.producerId = producerId
    }

    /// Sequence of the last record appended in this epoch, -1 when none.
    public var lastSequence: Int32 { batches.last?.lastSequence ?? -1 }

    /// The cached batch a retry with this epoch and sequence range repeats, if any
    /// (Kafka's `findDuplicateBatch`: matched on epoch and on the first and last
    /// sequence only, not on content).
    func duplicate(of batch: ProducerBatch) -> BatchMetadata? {
        guard batch.producerEpoch == producerEpoch else { return nil }
        let last = batch.lastSequence
        return batches.first { $0.firstSequence == batch.baseSequence && $0.lastSequence == last }
    }

    /// Records an appended batch (Kafka's `ProducerStateEntry.addBatch`): a new epoch
    /// forgets the old epoch's batches.
    mutating func add(_ batch: ProducerBatch, firstOffset: Int64) {
        updateEpoch(batch.producerEpoch)
        if batches.count == Self.retainedBatches { batches.removeFirst() }
        batches.append(
            BatchMetadata(
                firstSequence: batch.baseSequence, lastSequence: batch.lastSequence, firstOffset: firstOffset,
                lastOffset: firstOffset + Int64(batch.lastOffsetDelta), timestamp: batch.maxTimestamp))
        lastTimestamp = batch.maxTimestamp
        if batch.isTransactional, currentTransactionFirstOffset == nil {
            currentTransactionFirstOffset = firstOffset
        }
    }

    mutating func updateEpoch(_ epoch: Int16) {
        if producerEpoch != epoch {
            batches.removeAll()
            producerEpoch = epoch
        }
    }
}
