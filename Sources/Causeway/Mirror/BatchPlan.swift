import KafkaProtocol
import NIOCore

/// How one piece of the source log reaches the destination: the batch to send and the
/// source offsets it covers.
///
/// The destination's log end advances by exactly `offsetCount` when `batch` is
/// produced, and the Produce response must report `baseOffset` as the assigned base
/// offset (DESIGN.md, "How offsets survive a stock Produce API"). `batch` still
/// carries the source's baseOffset; the engine zeroes it in the Produce request it
/// builds (`ByteBuffer.setRecordBatchBaseOffset(0, at:)`), because a broker rejects
/// any other value (KAFKA-RULES rule 2).
public struct BatchPlan: Hashable, Sendable {
    /// What was done to the source batch, which decides the fidelity.
    public enum Kind: Hashable, Sendable {
        /// The source batch unchanged but baseOffset: bytes 21..end identical.
        case passthrough
        /// The source batch re-encoded; see `Rewrite` for what changed.
        case rewritten(Rewrite)
        /// A batch of filler records only, at offsets no source batch covers.
        case fillers(FillerReason)
        /// A data batch of a source transaction: buffered until its marker and replayed
        /// in a destination transaction (see `TransactionReplay`).
        case transactionalData(TransactionalBatch)
        /// A source transaction marker: written by ending the destination transaction,
        /// never produced (`batch` is the source control batch, for reference).
        case transactionMarker(TransactionMarker)
    }

    /// What a rewritten batch changed. Several can apply to one batch.
    public struct Rewrite: Hashable, Sendable {
        /// A LogAppendTime batch sent as CreateTime, every record at the source append time.
        public var convertedLogAppendTime = false
        /// Filler records inserted at offsets compaction removed inside the batch.
        public var filledOffsets = 0
        /// Records dropped from the front because they lie before the mirror's position.
        public var trimmedOffsets = 0
        /// producerId, epoch and baseSequence set to -1: the destination refused the
        /// source's sequence (`PartitionMirror` decides this after OUT_OF_ORDER_SEQUENCE).
        public var strippedProducer = false

        public init(
            convertedLogAppendTime: Bool = false, filledOffsets: Int = 0, trimmedOffsets: Int = 0,
            strippedProducer: Bool = false
        ) {
            self.convertedLogAppendTime = convertedLogAppendTime
            self.filledOffsets = filledOffsets
            self.trimmedOffsets = trimmedOffsets
            self.strippedProducer = strippedProducer
        }
    }

    /// Why a batch of fillers only is written.
    public enum FillerReason: Hashable, Sendable {
        /// Offsets below the point where mirroring starts (a source log start N > 0):
        /// deleted with DeleteRecords(N) afterwards, so the mirror is still `exact`.
        case bootstrap
        /// Offsets between two source batches: batches removed whole by compaction.
        case gap
        /// A transaction marker whose transaction has no data to replay (its data was
        /// before the mirror's start or compacted away): a marker can only be placed
        /// by a transaction that wrote to the partition.
        case orphanMarker
        /// Offsets the source deleted (retention, DeleteRecords) before they were copied.
        case sourceRetention
    }

    public var kind: Kind
    /// The first source offset covered: the base offset the destination must assign.
    public var baseOffset: Int64
    /// How many offsets the batch takes on the destination (lastOffsetDelta + 1).
    public var offsetCount: Int64
    /// The batch to send (source baseOffset kept). For a marker, the source control batch.
    public var batch: RecordBatch
    /// Bytes of the source batch this plan stands for (0 for fillers of a gap), for lag accounting.
    public var sourceBytes: Int

    public init(kind: Kind, baseOffset: Int64, offsetCount: Int64, batch: RecordBatch, sourceBytes: Int) {
        self.kind = kind
        self.baseOffset = baseOffset
        self.offsetCount = offsetCount
        self.batch = batch
        self.sourceBytes = sourceBytes
    }

    /// The offset right after this plan: the destination log end once it is written.
    public var nextOffset: Int64 { baseOffset + offsetCount }

    /// How faithful the destination is for these offsets once the plan is written.
    public var fidelity: Fidelity {
        switch kind {
        case .passthrough: .exact
        case .rewritten(let rewrite): rewrite.filledOffsets > 0 ? .filled : .records
        case .fillers(.bootstrap): .exact
        case .fillers(.gap), .fillers(.orphanMarker), .fillers(.sourceRetention): .filled
        // Replayed under Causeway's producer id: offsets, records and outcome identical,
        // producer fields and CRC differ (DESIGN.md fidelity table).
        case .transactionalData, .transactionMarker: .records
        }
    }

    /// Filler records this plan writes.
    public var fillerCount: Int64 {
        switch kind {
        case .rewritten(let rewrite): Int64(rewrite.filledOffsets)
        case .fillers: offsetCount
        case .passthrough, .transactionalData, .transactionMarker: 0
        }
    }

    /// Whether the plan is part of a source transaction (buffered, never produced alone).
    public var isTransactional: Bool {
        switch kind {
        case .transactionalData, .transactionMarker: true
        case .passthrough, .rewritten, .fillers: false
        }
    }

    /// The producer whose sequence numbers the sent batch carries, if any. Only such
    /// batches are protected against duplicates on retry (KAFKA-RULES, "Producer ids").
    public var sequencedProducer: ProducerKey? {
        guard !isTransactional, batch.producerId >= 0 else { return nil }
        return ProducerKey(producerId: batch.producerId, producerEpoch: batch.producerEpoch)
    }
}
