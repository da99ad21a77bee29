/// A data batch as the producer state sees it: who wrote it and which sequences it holds.
public struct ProducerBatch: Hashable, Sendable {
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    /// recordCount - 1: the batch holds sequences baseSequence ... baseSequence + lastOffsetDelta.
    public var lastOffsetDelta: Int32
    /// The stored batch's maxTimestamp (the append time in LogAppendTime topics).
    public var maxTimestamp: Int64
    public var isTransactional: Bool

    public init(
        producerId: Int64, producerEpoch: Int16, baseSequence: Int32, lastOffsetDelta: Int32, maxTimestamp: Int64,
        isTransactional: Bool = false
    ) {
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.lastOffsetDelta = lastOffsetDelta
        self.maxTimestamp = maxTimestamp
        self.isTransactional = isTransactional
    }

    /// The sequence of the last record, wrapping past Int32.max.
    public var lastSequence: Int32 { ProducerSequence.increment(baseSequence, by: lastOffsetDelta) }
}
