/// How Causeway fetches from the source. Defaults are Kafka's consumer defaults.
///
/// Sizes are written in YAML as bytes or with a binary unit (`50MiB`); `maxWait` as a duration.
public struct FetchTuning: Hashable, Sendable {
    /// `fetch.max.bytes`: the most one fetch response may carry across partitions. Default
    /// 52428800 (50 MiB). A record batch larger than this still comes back alone (KIP-74),
    /// so this bounds memory, never progress.
    public var maxBytes: Int
    /// `max.partition.fetch.bytes`: the most per partition in one response. Default 1048576 (1 MiB).
    public var partitionMaxBytes: Int
    /// `fetch.max.wait.ms`: how long the source may hold a fetch waiting for `minBytes`. Default 500 ms.
    public var maxWait: Duration
    /// `fetch.min.bytes`: the source answers as soon as it has this much. Default 1, i.e. at once.
    public var minBytes: Int

    public static let defaultMaxBytes = 52_428_800
    public static let defaultPartitionMaxBytes = 1_048_576
    public static let defaultMaxWait: Duration = .milliseconds(500)
    public static let defaultMinBytes = 1

    public init(
        maxBytes: Int = FetchTuning.defaultMaxBytes,
        partitionMaxBytes: Int = FetchTuning.defaultPartitionMaxBytes,
        maxWait: Duration = FetchTuning.defaultMaxWait,
        minBytes: Int = FetchTuning.defaultMinBytes
    ) {
        self.maxBytes = maxBytes
        self.partitionMaxBytes = partitionMaxBytes
        self.maxWait = maxWait
        self.minBytes = minBytes
    }
}
