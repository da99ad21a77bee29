import Foundation
import KafkaProtocol

/// A topic's configuration: the values set on the topic, over Kafka's defaults.
public struct TopicConfig: Hashable, Sendable {
    /// Values set explicitly on the topic (CreateTopics, IncrementalAlterConfigs).
    public private(set) var overrides: [String: String]

    public init(overrides: [String: String] = [:]) {
        self.overrides = overrides
    }

    /// Why a config change was refused, in words a person can act on.
    public struct Problem: Error, Hashable, Sendable, CustomStringConvertible {
        public var code: KafkaErrorCode
        public var message: String
        public var description: String { message }
    }

    /// Checks one value; nil when it is acceptable.
    public static func problem(name: String, value: String?) -> Problem? {
        guard let definition = TopicConfigDefinition.all[name] else {
            return Problem(code: .invalidConfig, message: "Unknown topic config name: \(name)")
        }
        guard let value else {
            return Problem(code: .invalidRequest, message: "Null value not supported for topic configs: \(name)")
        }
        if let reason = definition.problem(with: value) {
            return Problem(code: .invalidConfig, message: "Invalid value \(value) for configuration \(name): \(reason)")
        }
        return nil
    }

    public mutating func set(_ name: String, _ value: String) throws(Problem) {
        if let problem = Self.problem(name: name, value: value) { throw problem }
        overrides[name] = value
    }

    public mutating func remove(_ name: String) {
        overrides[name] = nil
    }

    /// The value in force: the override or Kafka's default.
    public func value(_ name: String) -> String? {
        overrides[name] ?? TopicConfigDefinition.all[name]?.defaultValue
    }

    public func isDefault(_ name: String) -> Bool { overrides[name] == nil }

    private func long(_ name: String) -> Int64 {
        value(name).flatMap { Int64($0) } ?? Int64(TopicConfigDefinition.all[name]!.defaultValue)!
    }

    // MARK: Typed views of what the broker enforces

    public var cleanupPolicy: LogConfig.CleanupPolicy {
        var policy: LogConfig.CleanupPolicy = []
        for item in (value("cleanup.policy") ?? "delete").split(separator: ",") {
            switch item.trimmingCharacters(in: .whitespaces) {
            case "compact": policy.insert(.compact)
            case "delete": policy.insert(.delete)
            default: break
            }
        }
        return policy
    }

    public var isCompacted: Bool { cleanupPolicy.contains(.compact) }

    /// The codec the topic forces, or nil for `producer` (keep the batch's codec).
    public var compressionType: String { value("compression.type") ?? "producer" }

    public var usesLogAppendTime: Bool { value("message.timestamp.type") == "LogAppendTime" }

    public var maxMessageBytes: Int64 { long("max.message.bytes") }
    public var timestampBeforeMaxMs: Int64 { long("message.timestamp.before.max.ms") }
    public var timestampAfterMaxMs: Int64 { long("message.timestamp.after.max.ms") }
    public var minInsyncReplicas: Int64 { long("min.insync.replicas") }

    /// The storage settings of the topic, on top of the broker's storage defaults.
    public func logConfig(base: LogConfig) -> LogConfig {
        var config = base
        config.cleanupPolicy = cleanupPolicy
        if overrides["segment.bytes"] != nil || base.segmentBytes == LogConfig().segmentBytes {
            config.segmentBytes = Int(clamping: long("segment.bytes"))
        }
        config.segmentTime = .milliseconds(long("segment.ms"))
        let retentionMs = long("retention.ms")
        config.retentionTime = retentionMs < 0 ? nil : .milliseconds(retentionMs)
        let retentionBytes = long("retention.bytes")
        config.retentionBytes = retentionBytes < 0 ? nil : retentionBytes
        config.indexIntervalBytes = Int(clamping: long("index.interval.bytes"))
        if overrides["flush.messages"] != nil || overrides["flush.ms"] != nil {
            let messages = long("flush.messages")
            let milliseconds = long("flush.ms")
            config.flushPolicy = FlushPolicy(
                messages: messages == Int64.max ? nil : messages,
                interval: milliseconds == Int64.max ? nil : .milliseconds(milliseconds))
        }
        return config
    }
}
