/// What one retention pass of ``PartitionLog/applyRetention()`` deleted.
public struct RetentionOutcome: Hashable, Sendable {
    /// Why segments went, in the order Kafka checks: `retention.ms`, `retention.bytes`,
    /// then segments wholly below the log start offset.
    public enum Reason: Hashable, Sendable {
        case retentionTime
        case retentionSize
        case logStartOffset
    }

    public var deletedSegments = 0
    public var deletedBytes = 0
    public var reasons: Set<Reason> = []
    /// The log start offset after the pass.
    public var logStartOffset: Int64 = 0
}
