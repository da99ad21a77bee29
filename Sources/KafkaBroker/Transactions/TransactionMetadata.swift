/// What the coordinator knows about one transactional id (Kafka's `TransactionMetadata`).
public struct TransactionMetadata: Hashable, Sendable {
    public var transactionalId: String
    public var producerId: Int64
    /// The producer id and epoch handed out before the current ones (KIP-360): an
    /// InitProducerId that names them is a retry and gets the current ones back.
    public var previousProducerId: Int64 = -1
    public var previousProducerEpoch: Int16 = -1
    public var producerEpoch: Int16
    /// `transaction.timeout.ms` the producer asked for.
    public var timeoutMs: Int32
    public var state: TransactionState
    /// Partitions of the ongoing (or ending) transaction.
    public var partitions: Set<TopicPartition> = []
    /// Groups added with AddOffsetsToTxn, and the offsets TxnOffsetCommit sent for them:
    /// they become visible to OffsetFetch only when the transaction commits.
    public var pendingOffsets: [String: [TopicPartition: PendingTransactionOffset]] = [:]
    /// When the ongoing transaction started (-1: none), wall clock ms.
    public var startTimestamp: Int64 = -1
    public var lastUpdateTimestamp: Int64

    public init(
        transactionalId: String, producerId: Int64, producerEpoch: Int16, timeoutMs: Int32, state: TransactionState,
        lastUpdateTimestamp: Int64
    ) {
        self.transactionalId = transactionalId
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.timeoutMs = timeoutMs
        self.state = state
        self.lastUpdateTimestamp = lastUpdateTimestamp
    }

    /// Whether the request's producer id and epoch are this transaction's current ones.
    func isCurrent(producerId: Int64, producerEpoch: Int16) -> Bool {
        self.producerId == producerId && self.producerEpoch == producerEpoch
    }
}

/// One offset a transaction will commit for a group.
public struct PendingTransactionOffset: Hashable, Sendable {
    public var offset: Int64
    public var leaderEpoch: Int32
    public var metadata: String
}
