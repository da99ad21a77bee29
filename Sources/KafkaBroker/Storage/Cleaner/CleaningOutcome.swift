/// What one cleaning pass of a partition did (Kafka's `CleanerStats`, plus why a pass
/// did not run).
public struct CleaningOutcome: Hashable, Sendable {
    /// Nil when the pass ran; otherwise why it did not (not compacted, not dirty enough,
    /// nothing cleanable).
    public var skippedReason: String?
    /// The dirty section the pass considered: `[firstDirtyOffset, firstUncleanableOffset)`.
    public var firstDirtyOffset: Int64 = -1
    public var firstUncleanableOffset: Int64 = -1
    /// Dirty bytes over all bytes when the pass started.
    public var dirtyRatio: Double = 0
    /// The first dirty offset after the pass (what the cleaner checkpoint now holds).
    public var nextDirtyOffset: Int64 = -1
    /// Distinct keys in the offset map.
    public var keysMapped = 0
    /// Segments read, and the cleaned segments that replaced them.
    public var segmentsCleaned = 0
    public var segmentsWritten = 0
    public var batchesRead = 0
    /// Batches dropped entirely (aborted data, empty batches, expired markers).
    public var batchesDeleted = 0
    /// Batches kept as a header without records.
    public var batchesEmptied = 0
    /// Batches re-encoded with fewer records or a new delete horizon.
    public var batchesRebuilt = 0
    public var recordsRead = 0
    public var recordsRetained = 0
    public var bytesRead = 0
    public var bytesWritten = 0

    public init(skippedReason: String? = nil) {
        self.skippedReason = skippedReason
    }

    /// Whether the pass rewrote any segment.
    public var didClean: Bool { skippedReason == nil && segmentsWritten > 0 }
}
