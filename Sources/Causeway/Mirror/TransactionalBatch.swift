/// A data batch of a source transaction.
public struct TransactionalBatch: Hashable, Sendable {
    /// The source producer: the transaction is the span from its first batch to its marker.
    public var producer: ProducerKey
    /// Filler records inserted at compaction holes (the batch is then re-encoded).
    public var filledOffsets: Int

    public init(producer: ProducerKey, filledOffsets: Int = 0) {
        self.producer = producer
        self.filledOffsets = filledOffsets
    }
}
