/// Which source topic configs are copied onto the mirror topics, when they are created and
/// then every ``interval``.
///
/// A mirror topic is created with the source's partition count and these configs; later
/// changes on the source follow. Configs not listed keep the destination cluster's defaults.
///
/// Some configs are never copied, whatever is listed, because the mirror depends on them
/// having one value (see ``forcedConfigs``): naming one of them is a validation error.
public struct ConfigSyncPolicy: Hashable, Sendable {
    /// Config names to copy. Default ``defaultInclude``; writing the key replaces the whole list.
    public var include: [String]
    /// Config names not to copy, removed from `include` (handy to drop one default).
    public var exclude: [String]
    /// How often source configs are compared and changes applied. Default 30 s, at least 100 ms.
    public var interval: Duration

    public static let defaultInterval: Duration = .seconds(30)

    /// Configs that describe how long and how much a topic keeps, and its compaction: what makes
    /// the mirror behave like the source for its readers. Close to MirrorMaker 2's default
    /// (`DefaultConfigPropertyFilter`), minus the configs in ``forcedConfigs``, and minus
    /// `min.insync.replicas` and the `*.replication.throttled.replicas`, which depend on the
    /// destination cluster's size and are the destination operator's choice (list
    /// `min.insync.replicas` to copy it anyway).
    public static let defaultInclude = [
        "cleanup.policy",
        "retention.ms",
        "retention.bytes",
        "delete.retention.ms",
        "min.compaction.lag.ms",
        "max.compaction.lag.ms",
        "min.cleanable.dirty.ratio",
        "max.message.bytes",
        "segment.bytes",
        "segment.ms",
        "segment.jitter.ms",
    ]

    /// Configs Causeway sets on every mirror topic itself and never copies:
    /// - `compression.type=producer`: the destination must store batches in the codec they
    ///   arrive in, or it recompresses them and assigns offsets to new batches; bytes and CRCs
    ///   would differ from the source.
    /// - `message.timestamp.type=CreateTime`: with LogAppendTime the destination overwrites
    ///   every batch's timestamps; LogAppendTime source batches are sent with the source's
    ///   append time as CreateTime instead (DESIGN.md, fidelity table).
    /// - `message.timestamp.before.max.ms` and `message.timestamp.after.max.ms` (KIP-937) set
    ///   to their widest value, and the older `message.timestamp.difference.max.ms`: a mirror
    ///   replays old records, which tight bounds would reject, stopping the partition.
    public static let forcedConfigs: Set<String> = [
        "compression.type",
        "message.timestamp.type",
        "message.timestamp.before.max.ms",
        "message.timestamp.after.max.ms",
        "message.timestamp.difference.max.ms",
    ]

    public init(
        include: [String] = ConfigSyncPolicy.defaultInclude, exclude: [String] = [],
        interval: Duration = ConfigSyncPolicy.defaultInterval
    ) {
        self.include = include
        self.exclude = exclude
        self.interval = interval
    }

    /// The configs to copy: `include` less `exclude`, never a forced one, in `include`'s order.
    public var syncedConfigs: [String] {
        let excluded = Set(exclude).union(Self.forcedConfigs)
        return include.filter { !excluded.contains($0) }
    }

    /// True if `config` is copied from the source.
    public func syncs(_ config: String) -> Bool {
        include.contains(config) && !exclude.contains(config) && !Self.forcedConfigs.contains(config)
    }
}
