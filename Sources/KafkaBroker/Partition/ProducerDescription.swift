/// One producer's state in a partition, as DescribeProducers (KIP-664) reports it.
public struct ProducerDescription: Hashable, Sendable {
    public var producerId: Int64
    public var producerEpoch: Int32
    /// -1 when the producer has no batch in its current epoch.
    public var lastSequence: Int32
    public var lastTimestamp: Int64
    /// -1 until a transaction marker has been written for the producer.
    public var coordinatorEpoch: Int32
    /// -1 when no transaction is open.
    public var currentTransactionStartOffset: Int64

    public init(_ entry: ProducerStateEntry) {
        producerId = entry.producerId
        producerEpoch = Int32(entry.producerEpoch)
        lastSequence = entry.lastSequence
        lastTimestamp = entry.lastTimestamp
        coordinatorEpoch = entry.coordinatorEpoch
        currentTransactionStartOffset = entry.currentTransactionFirstOffset ?? -1
    }
}
