import NIOCore

/// What ``PartitionLog/read(from:maxBytes:minOneBatch:upperBound:)`` returns.
public struct LogReadResult: Hashable, Sendable {
    /// Whole record batches, exactly as stored (a Fetch response's `records`). Empty when
    /// nothing is readable at the offset, or the first batch exceeds `maxBytes` and
    /// `minOneBatch` is false.
    public var records: ByteBuffer
    /// Base offset of the first batch in `records`, which is at or below the requested
    /// offset when that offset is inside a batch (the client skips the records before it).
    public var firstBatchOffset: Int64?
    public var highWatermark: Int64
    public var logStartOffset: Int64
    public var logEndOffset: Int64
}
