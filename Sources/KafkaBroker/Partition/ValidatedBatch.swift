import KafkaProtocol
import NIOCore

/// A batch that passed every Produce check, ready for the log to assign its offsets.
public struct ValidatedBatch: Hashable, Sendable {
    /// How the bytes relate to what the client sent.
    public enum Rewrite: Hashable, Sendable {
        /// The client's bytes, untouched: a slice of the request, not a copy.
        case none
        /// CRC-covered header fields changed (timestamp type, maxTimestamp) and the CRC
        /// was recomputed; the records section is as sent.
        case header
        /// Re-encoded from the records: recompressed to the topic's codec, or renumbered
        /// because a compressed batch's inner offsets were not 0, 1, 2, ...
        case rebuilt
    }

    /// Exactly one v2 batch with baseOffset 0. The log writes baseOffset and
    /// partitionLeaderEpoch (bytes 0..7 and 12..15, outside the CRC) when appending.
    public var bytes: ByteBuffer
    public var rewrite: Rewrite
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    /// Number of records, which is also the number of offsets the batch takes.
    public var recordCount: Int32
    /// The batch's maxTimestamp as stored (the append time in LogAppendTime topics).
    public var maxTimestamp: Int64
    /// The Produce response's `LogAppendTimeMs`: the append time in LogAppendTime topics, else -1.
    public var logAppendTime: Int64
    public var isTransactional: Bool

    /// The batch as the producer state sees it.
    public var producerBatch: ProducerBatch {
        ProducerBatch(
            producerId: producerId, producerEpoch: producerEpoch, baseSequence: baseSequence,
            lastOffsetDelta: recordCount - 1, maxTimestamp: maxTimestamp, isTransactional: isTransactional)
    }
}
