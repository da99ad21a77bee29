/// What the Produce request around one partition's records says, beyond the records.
public struct ProduceRequestContext: Sendable {
    /// The Produce request's version. Versions 0-2 never get here: Kafka 4.0 closes the
    /// connection on them (FINDINGS a), which is the network layer's job.
    public var requestVersion: Int16
    /// The request's `TransactionalId`.
    public var transactionalId: String?
    /// Whether the transaction coordinator has this partition in an ongoing transaction
    /// of the producer (KIP-890 verification, which Kafka 4.0 does on every
    /// transactional produce). Until the coordinator exists the answer is "no", which
    /// makes a transactional batch fail with INVALID_PRODUCER_ID_MAPPING as on a real
    /// broker whose coordinator has never heard of the transactional id (FINDINGS b, f).
    public var isPartitionInTransaction: @Sendable (_ producerId: Int64, _ producerEpoch: Int16) -> Bool

    public init(
        requestVersion: Int16, transactionalId: String? = nil,
        isPartitionInTransaction: @escaping @Sendable (_ producerId: Int64, _ producerEpoch: Int16) -> Bool = { _, _ in false }
    ) {
        self.requestVersion = requestVersion
        self.transactionalId = transactionalId
        self.isPartitionInTransaction = isPartitionInTransaction
    }
}
