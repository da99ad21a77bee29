/// The per-topic settings of log compaction, with Kafka's defaults. Whether a log is
/// compacted at all is `LogConfig.cleanupPolicy` (`compact` or `compact,delete`).
public struct CleanerConfig: Hashable, Sendable {
    /// `delete.retention.ms`: how long a tombstone, and a transaction marker whose data
    /// is gone, stay readable after the first cleaning that saw them (KIP-534's delete
    /// horizon). Default one day.
    public var deleteRetention: Duration = .milliseconds(86_400_000)
    /// `min.compaction.lag.ms`: a segment whose largest timestamp is younger than this
    /// is not cleaned yet. Default 0.
    public var minCompactionLag: Duration = .zero
    /// `max.compaction.lag.ms`: dirty data older than this makes a log cleanable whatever
    /// its dirty ratio; nil is Kafka's Long.MAX_VALUE default (never).
    public var maxCompactionLag: Duration?
    /// `min.cleanable.dirty.ratio`: an automatic pass runs only when dirty bytes make up
    /// more than this share of the log. Default 0.5.
    public var minCleanableDirtyRatio: Double = 0.5

    public init() {}
}
