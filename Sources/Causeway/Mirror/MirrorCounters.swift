/// What a partition mirror has done since it started, for metrics and the receipt.
/// Counts are of acknowledged (written) plans unless named otherwise.
public struct MirrorCounters: Hashable, Sendable {
    /// Offsets written on the destination, fillers included.
    public var offsetsWritten: Int64 = 0
    /// Batches written unchanged (bytes 21..end identical).
    public var passthroughBatches: Int64 = 0
    /// Batches re-encoded (LogAppendTime, holes, trimmed, producer stripped).
    public var rewrittenBatches: Int64 = 0
    /// Filler records written (bootstrap excluded).
    public var fillerRecords: Int64 = 0
    /// Filler records written below the start position (later removed by DeleteRecords).
    public var bootstrapFillerRecords: Int64 = 0
    /// Offsets deleted at the source before they were copied, filled on the destination.
    public var offsetsLostToSourceRetention: Int64 = 0
    /// Transaction spans replayed.
    public var transactionSpans: Int64 = 0
    /// Produce attempts that failed (each one followed by a log end check).
    public var produceFailures: Int64 = 0
    /// Batches found written by a failed Produce when the log end was read.
    public var batchesFoundWrittenAfterFailure: Int64 = 0

    public init() {}
}
