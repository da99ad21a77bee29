import Foundation

/// One topic-level configuration Kafka knows: its name, type, default and valid values.
///
/// The defaults are Kafka 4.0's. Values are kept as Kafka's strings (that is what
/// DescribeConfigs returns and what CreateTopics and IncrementalAlterConfigs send);
/// `TopicConfig` turns them into typed settings.
public struct TopicConfigDefinition: Sendable {
    public enum ValueType: Int8, Sendable {
        // DescribeConfigs v3+ ConfigType values.
        case boolean = 1, string = 2, int = 3, short = 4, long = 5, double = 6, list = 7, `class` = 8, password = 9
    }

    public let name: String
    public let type: ValueType
    public let defaultValue: String
    public let documentation: String
    /// Returns nil when `value` is acceptable, else what would be accepted.
    let check: @Sendable (String) -> String?

    init(
        _ name: String, _ type: ValueType, _ defaultValue: String, _ documentation: String,
        check: @escaping @Sendable (String) -> String? = { _ in nil }
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.documentation = documentation
        self.check = check
    }

    /// Checks a value against the type and the allowed values; nil when it is acceptable.
    public func problem(with value: String) -> String? {
        switch type {
        case .long, .int, .short:
            guard Int64(value) != nil else { return "a whole number is expected" }
        case .double:
            guard Double(value) != nil else { return "a number is expected" }
        case .boolean:
            guard ["true", "false"].contains(value.lowercased()) else { return "true or false is expected" }
        default:
            break
        }
        return check(value)
    }

    static func atLeast(_ minimum: Int64) -> @Sendable (String) -> String? {
        { value in (Int64(value) ?? minimum) >= minimum ? nil : "the value must be at least \(minimum)" }
    }

    static func oneOf(_ allowed: [String]) -> @Sendable (String) -> String? {
        { value in allowed.contains(value) ? nil : "one of \(allowed.joined(separator: ", ")) is expected" }
    }

    static func listOf(_ allowed: [String]) -> @Sendable (String) -> String? {
        { value in
            let items = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            return !items.isEmpty && items.allSatisfy(allowed.contains)
                ? nil : "a comma-separated list of \(allowed.joined(separator: ", ")) is expected"
        }
    }
}

extension TopicConfigDefinition {
    /// The topic configs of Kafka 4.0 that the embedded broker knows, by name.
    public static let all: [String: TopicConfigDefinition] = {
        let long = String(Int64.max)
        let definitions: [TopicConfigDefinition] = [
            .init("cleanup.policy", .list, "delete", "A string that is either \"delete\" or \"compact\" or both.",
                  check: listOf(["delete", "compact"])),
            .init("compression.type", .string, "producer", "Specify the final compression type for a given topic.",
                  check: oneOf(["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"])),
            .init("compression.gzip.level", .int, "-1", "The compression level to use if compression.type is set to gzip."),
            .init("compression.lz4.level", .int, "9", "The compression level to use if compression.type is set to lz4."),
            .init("compression.zstd.level", .int, "3", "The compression level to use if compression.type is set to zstd."),
            .init("delete.retention.ms", .long, "86400000", "The amount of time to retain delete tombstone markers for log compacted topics.",
                  check: atLeast(0)),
            .init("file.delete.delay.ms", .long, "60000", "The time to wait before deleting a file from the filesystem.",
                  check: atLeast(0)),
            .init("flush.messages", .long, long, "The number of messages written to a log partition before we force an fsync on the log.",
                  check: atLeast(1)),
            .init("flush.ms", .long, long, "The maximum time in ms that a message in any topic is kept in memory before flushed to disk.",
                  check: atLeast(0)),
            .init("index.interval.bytes", .int, "4096", "How frequently Kafka adds an index entry to its offset index.",
                  check: atLeast(0)),
            .init("max.compaction.lag.ms", .long, long, "The maximum time a message will remain ineligible for compaction in the log.",
                  check: atLeast(1)),
            .init("max.message.bytes", .int, "1048588", "The largest record batch size allowed by Kafka (after compression if compression is enabled).",
                  check: atLeast(0)),
            .init("message.timestamp.after.max.ms", .long, "3600000", "The maximum allowed time difference between the message timestamp and the broker's timestamp, for timestamps later than the broker's.",
                  check: atLeast(0)),
            .init("message.timestamp.before.max.ms", .long, long, "The maximum allowed time difference between the broker's timestamp and the message timestamp, for timestamps earlier than the broker's.",
                  check: atLeast(0)),
            .init("message.timestamp.type", .string, "CreateTime", "Define whether the timestamp in the message is message create time or log append time.",
                  check: oneOf(["CreateTime", "LogAppendTime"])),
            .init("min.cleanable.dirty.ratio", .double, "0.5", "The minimum ratio of dirty log to total log for a log to eligible for cleaning."),
            .init("min.compaction.lag.ms", .long, "0", "The minimum time a message will remain uncompacted in the log.",
                  check: atLeast(0)),
            .init("min.insync.replicas", .int, "1", "The minimum number of replicas that must acknowledge a write for the write to be considered successful.",
                  check: atLeast(1)),
            .init("preallocate", .boolean, "false", "True if we should preallocate the file on disk when creating a new log segment."),
            .init("retention.bytes", .long, "-1", "The maximum size a partition can grow to before old log segments are discarded."),
            .init("retention.ms", .long, "604800000", "The maximum time a log is retained before old log segments are discarded.",
                  check: atLeast(-1)),
            .init("segment.bytes", .int, "1073741824", "The segment file size for the log.",
                  check: atLeast(1)),
            .init("segment.index.bytes", .int, "10485760", "The size of the index that maps offsets to file positions.",
                  check: atLeast(4)),
            .init("segment.jitter.ms", .long, "0", "The maximum random jitter subtracted from the scheduled segment roll time.",
                  check: atLeast(0)),
            .init("segment.ms", .long, "604800000", "The period of time after which Kafka will force the log to roll even if the segment file isn't full.",
                  check: atLeast(1)),
            .init("unclean.leader.election.enable", .boolean, "false", "Whether to enable replicas not in the ISR set to be elected as leader as a last resort."),
        ]
        return Dictionary(uniqueKeysWithValues: definitions.map { ($0.name, $0) })
    }()
}
