import KafkaProtocol

extension PartitionMirror {
    /// Where mirroring begins on an empty destination partition. Ignored when the
    /// destination already holds offsets: its log end is the checkpoint.
    public enum StartPosition: Hashable, Sendable {
        /// The source log start: everything the source still holds.
        case earliest
        /// The source high watermark: only what is written from now on.
        case latest
        /// A given offset, clamped to [log start, high watermark].
        case offset(Int64)
    }

    /// What to do when the source deleted offsets (retention, DeleteRecords) before the
    /// mirror copied them: its log start moved past the mirror's position.
    ///
    /// The default is `.fillAndContinue`, for the DR user: the records are gone from the
    /// source whatever the mirror does, and stopping would only widen the loss to
    /// everything written afterwards, leaving the standby further behind each minute
    /// until someone intervenes. Filling keeps every later offset aligned, the loss is
    /// counted (`MirrorCounters.offsetsLostToSourceRetention`), reported as an action,
    /// and the partition's fidelity becomes `filled`, so the failover receipt shows it.
    /// A migration that must prove completeness chooses `.fail`.
    public enum SourceRetentionLossPolicy: Hashable, Sendable {
        case fillAndContinue
        case fail
    }

    /// Limits and choices of one partition mirror. The defaults suit a partition with
    /// ordinary batch sizes on a WAN link.
    public struct Configuration: Hashable, Sendable {
        /// Produce requests in flight at once. 1 (the default) is always safe. Above 1,
        /// a further batch is sent while others are in flight only when all of them carry
        /// the same source producer id and epoch with consecutive sequences that follow
        /// one the destination already acknowledged: then a broker rejects any batch
        /// whose predecessor is missing (OUT_OF_ORDER_SEQUENCE) and deduplicates retries,
        /// exactly as for an idempotent producer with max.in.flight 5. Batches without a
        /// producer id are never pipelined: if one failed and the next succeeded, the
        /// next would take its offsets. At most 5 (the broker remembers 5 batches).
        public var maxInFlight: Int = 1
        /// Fetch ahead while less than this many source bytes await acknowledgement.
        public var maxBufferedBytes: Int = 8 << 20
        /// A source transaction span may buffer up to this many bytes before the mirror
        /// gives up with `.transactionTooLarge`.
        public var maxTransactionBytes: Int = 64 << 20
        /// Decompression limit for batches that must be re-encoded.
        public var maxDecompressedBatchSize: Int = 64 << 20
        /// Filler records per batch for bootstrap, gaps and lost offsets.
        public var fillerRecordsPerBatch: Int = FillerBatches.defaultRecordsPerBatch
        /// Codec of filler-only batches.
        public var fillerCodec: CompressionCodec = .zstd
        public var onSourceRetentionLoss: SourceRetentionLossPolicy = .fillAndContinue

        public init() {}

        /// Checks the values once; the error names the key, the value and what is accepted.
        public func validate() throws {
            func check(_ ok: Bool, _ key: String, _ value: Int, _ accepted: String) throws {
                guard ok else { throw ConfigurationError(key: key, value: "\(value)", accepted: accepted) }
            }
            try check((1...5).contains(maxInFlight), "maxInFlight", maxInFlight, "1...5")
            try check(maxBufferedBytes > 0, "maxBufferedBytes", maxBufferedBytes, "> 0")
            try check(maxTransactionBytes >= maxBufferedBytes, "maxTransactionBytes", maxTransactionBytes, ">= maxBufferedBytes")
            try check(maxDecompressedBatchSize > 0, "maxDecompressedBatchSize", maxDecompressedBatchSize, "> 0")
            try check(
                fillerRecordsPerBatch > 0 && fillerRecordsPerBatch <= 1_000_000, "fillerRecordsPerBatch",
                fillerRecordsPerBatch, "1...1000000")
        }
    }

    /// An invalid `Configuration` value.
    public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
        public var key: String
        public var value: String
        public var accepted: String

        public var description: String { "partition mirror: \(key) = \(value) is invalid; accepted: \(accepted)" }
    }
}
