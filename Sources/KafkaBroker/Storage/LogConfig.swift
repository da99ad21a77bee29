/// The per-topic settings that govern a partition's storage, with Kafka's defaults.
///
/// The broker keeps one per topic (from CreateTopics / AlterConfigs) and hands it to
/// ``LogManager``; each property names the Kafka topic config it stands for.
public struct LogConfig: Hashable, Sendable {
    /// `cleanup.policy`.
    public struct CleanupPolicy: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Old segments are deleted by retention; DeleteRecords is allowed.
        public static let delete = CleanupPolicy(rawValue: 1)
        /// Segments are compacted (done outside storage).
        public static let compact = CleanupPolicy(rawValue: 2)
    }

    /// `segment.bytes`: a segment rolls before it would grow past this. Default 1 GiB.
    public var segmentBytes: Int = 1 << 30
    /// `segment.ms`: a segment rolls once its first batch is this old (by record time,
    /// or by wall clock for batches without timestamps). Default 7 days.
    public var segmentTime: Duration = .seconds(7 * 24 * 3600)
    /// `retention.ms`: segments whose largest timestamp is older are deleted; nil keeps
    /// data forever (Kafka's -1). Default 7 days.
    public var retentionTime: Duration? = .seconds(7 * 24 * 3600)
    /// `retention.bytes`: oldest segments are deleted while the log is larger; nil (Kafka's
    /// -1, the default) means no limit.
    public var retentionBytes: Int64?
    /// `index.interval.bytes`: bytes appended between offset index entries. Default 4096.
    public var indexIntervalBytes: Int = 4096
    /// `segment.index.bytes`: the size of an index; a full index makes the segment roll.
    /// Default 10 MiB.
    public var segmentIndexBytes: Int = 10 * 1024 * 1024
    /// `flush.messages` and `flush.ms`.
    public var flushPolicy: FlushPolicy = .never
    /// `cleanup.policy`. Default `delete`.
    public var cleanupPolicy: CleanupPolicy = .delete

    public init() {}

    /// The configuration, checked; the error names the key, the value and what is accepted.
    ///
    /// `segment.bytes` goes down to one batch header, far below Kafka's 1 MiB topic
    /// minimum, so tests can roll segments every few batches; the broker applies Kafka's
    /// minimum where a client sets the value.
    public func validated() throws -> LogConfig {
        func check(_ valid: Bool, _ key: String, _ value: some CustomStringConvertible, _ accepted: String) throws {
            if !valid {
                throw StorageError(.invalidConfiguration(key: key, value: value.description, accepted: accepted))
            }
        }
        // Index positions are int32, as in Kafka (where segment.bytes is an int).
        try check(segmentBytes >= BatchHeader.size && segmentBytes <= Int(Int32.max), "segment.bytes", segmentBytes,
                  "\(BatchHeader.size)...\(Int32.max)")
        try check(segmentTime.milliseconds >= 1, "segment.ms", segmentTime.milliseconds, ">= 1")
        if let retentionTime {
            try check(retentionTime.milliseconds >= 0, "retention.ms", retentionTime.milliseconds, ">= 0, or nil for unlimited")
        }
        if let retentionBytes {
            try check(retentionBytes >= 0, "retention.bytes", retentionBytes, ">= 0, or nil for unlimited")
        }
        try check(indexIntervalBytes >= 0, "index.interval.bytes", indexIntervalBytes, ">= 0")
        try check(segmentIndexBytes >= TimeIndex.entrySize, "segment.index.bytes", segmentIndexBytes, ">= \(TimeIndex.entrySize)")
        if let messages = flushPolicy.messages {
            try check(messages >= 1, "flush.messages", messages, ">= 1")
        }
        if let interval = flushPolicy.interval {
            try check(interval.milliseconds >= 0, "flush.ms", interval.milliseconds, ">= 0")
        }
        return self
    }

    var maxOffsetIndexEntries: Int { segmentIndexBytes / OffsetIndex.entrySize }
    var maxTimeIndexEntries: Int { segmentIndexBytes / TimeIndex.entrySize }
}
