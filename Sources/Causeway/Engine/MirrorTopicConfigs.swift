/// The destination topic configs a mirror cannot work without.
///
/// - `compression.type=producer`: any other value makes the broker recompress every
///   batch, which changes its bytes and CRC (KAFKA-RULES 12).
/// - `message.timestamp.type=CreateTime`: a LogAppendTime topic rewrites every batch's
///   timestamps and CRC (KAFKA-RULES 10).
/// - timestamp bounds as wide as they go: a mirror replays records that are days old,
///   or from producers whose clocks run ahead; the broker would refuse them
///   (INVALID_TIMESTAMP, KAFKA-RULES 9). Brokers before Kafka 3.6 (KIP-937) only know
///   `message.timestamp.difference.max.ms`, so that is the fallback.
enum MirrorTopicConfigs {
    static let required: [String: String] = [
        "compression.type": "producer",
        "message.timestamp.type": "CreateTime",
        "message.timestamp.before.max.ms": String(Int64.max),
        "message.timestamp.after.max.ms": String(Int64.max),
    ]

    /// The same guarantees for brokers older than KIP-937.
    static let legacy: [String: String] = [
        "compression.type": "producer",
        "message.timestamp.type": "CreateTime",
        "message.timestamp.difference.max.ms": String(Int64.max),
    ]

    /// Which required settings `configs` (a destination topic's values) violates.
    static func violations(in configs: [String: String?]) -> [String: String] {
        var wrong: [String: String] = [:]
        for (name, value) in required where configs[name] != nil {
            if configs[name]! != value { wrong[name] = value }
        }
        return wrong
    }
}
