import KafkaProtocol

/// What the Produce request around one partition's records says, beyond the records.
public struct ProduceRequestContext: Sendable {
    /// The Produce request's version. Versions 0-2 never get here: Kafka 4.0 closes the
    /// connection on them (FINDINGS a), which is the network layer's job.
    public var requestVersion: Int16
    /// The request's `TransactionalId`.
    public var transactionalId: String?
    /// Asks the transaction coordinator whether this partition is in an ongoing
    /// transaction of the producer (KIP-890 verification, which Kafka 4.0 does on every
    /// transactional produce): NONE when it is, else the error for the Produce response
    /// (INVALID_PRODUCER_ID_MAPPING for a transactional id or producer id the coordinator
    /// does not know, INVALID_PRODUCER_EPOCH for another epoch, INVALID_TXN_STATE for a
    /// partition not added; FINDINGS b, f). Without a coordinator the answer is 49, as
    /// from a real broker whose coordinator has never heard of the transactional id.
    public var verifyTransaction: @Sendable (_ producerId: Int64, _ producerEpoch: Int16) -> KafkaErrorCode

    public init(
        requestVersion: Int16, transactionalId: String? = nil,
        verifyTransaction: @escaping @Sendable (_ producerId: Int64, _ producerEpoch: Int16) -> KafkaErrorCode = { _, _ in
            .invalidProducerIdMapping
        }
    ) {
        self.requestVersion = requestVersion
        self.transactionalId = transactionalId
        self.verifyTransaction = verifyTransaction
    }
}
