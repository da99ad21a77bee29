import KafkaProtocol

/// What the Produce path needs from a topic's configuration, in typed form.
///
/// Built from a ``TopicConfig`` (``init(topicConfig:)``) whenever the topic's
/// configuration changes, so validating a batch reads no strings.
public struct ProduceSettings: Hashable, Sendable {
    /// `cleanup.policy` includes `compact`: every record needs a key.
    public var isCompacted: Bool
    /// `compression.type`: the codec stored batches must have, or nil for `producer`
    /// (keep the batch's codec). `uncompressed` is `.none`. Compression levels are
    /// ignored, as Kafka ignores them when deciding whether to recompress.
    public var targetCodec: CompressionCodec?
    /// `message.timestamp.type`.
    public var timestampType: TimestampType
    /// `max.message.bytes`: the largest batch accepted, checked before and after any rebuild.
    public var maxMessageBytes: Int
    /// `message.timestamp.before.max.ms` (CreateTime topics only).
    public var timestampBeforeMaxMs: Int64
    /// `message.timestamp.after.max.ms` (CreateTime topics only).
    public var timestampAfterMaxMs: Int64
    /// The most bytes a batch's records may take once decompressed. Kafka has no such
    /// limit; the embedded broker has one so a small batch cannot expand into gigabytes
    /// of memory (a decompression bomb).
    public var maxDecompressedSize: Int

    /// The default decompression limit: 64 MiB, far above any batch Kafka's default
    /// `max.message.bytes` (1 MiB) lets in at the usual compression ratios.
    public static let defaultMaxDecompressedSize = 64 * 1024 * 1024

    public init(
        isCompacted: Bool = false, targetCodec: CompressionCodec? = nil, timestampType: TimestampType = .createTime,
        maxMessageBytes: Int = 1_048_588, timestampBeforeMaxMs: Int64 = .max, timestampAfterMaxMs: Int64 = 3_600_000,
        maxDecompressedSize: Int = ProduceSettings.defaultMaxDecompressedSize
    ) {
        self.isCompacted = isCompacted
        self.targetCodec = targetCodec
        self.timestampType = timestampType
        self.maxMessageBytes = maxMessageBytes
        self.timestampBeforeMaxMs = timestampBeforeMaxMs
        self.timestampAfterMaxMs = timestampAfterMaxMs
        self.maxDecompressedSize = maxDecompressedSize
    }

    /// The settings of a topic's configuration (overrides over Kafka 4.0's defaults).
    public init(topicConfig: TopicConfig, maxDecompressedSize: Int = ProduceSettings.defaultMaxDecompressedSize) {
        self.init(
            isCompacted: topicConfig.isCompacted,
            targetCodec: Self.codec(compressionType: topicConfig.compressionType),
            timestampType: topicConfig.usesLogAppendTime ? .logAppendTime : .createTime,
            maxMessageBytes: Int(clamping: topicConfig.maxMessageBytes),
            timestampBeforeMaxMs: topicConfig.timestampBeforeMaxMs,
            timestampAfterMaxMs: topicConfig.timestampAfterMaxMs,
            maxDecompressedSize: maxDecompressedSize)
    }

    /// The codec a `compression.type` value forces; nil for `producer` (and for anything
    /// unknown, which topic config validation already refuses).
    public static func codec(compressionType: String) -> CompressionCodec? {
        switch compressionType {
        case "uncompressed": CompressionCodec.none
        case "gzip": .gzip
        case "snappy": .snappy
        case "lz4": .lz4
        case "zstd": .zstd
        default: nil
        }
    }
}
