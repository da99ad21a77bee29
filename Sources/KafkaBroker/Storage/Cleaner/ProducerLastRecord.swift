/// What the cleaner must preserve of an active producer (Kafka's `LastRecord`): the
/// batch holding its last data offset keeps the producer's last sequence, and without
/// data, its last marker keeps its epoch. Those batches stay, empty if need be, so the
/// producer state rebuilt from the log after a restart still accepts the producer's
/// next batch and still recognises its retries.
public struct ProducerLastRecord: Hashable, Sendable {
    /// Last offset of the producer's last data batch, if it has one in its current epoch.
    public var lastDataOffset: Int64?
    public var producerEpoch: Int16

    public init(lastDataOffset: Int64?, producerEpoch: Int16) {
        self.lastDataOffset = lastDataOffset
        self.producerEpoch = producerEpoch
    }
}
