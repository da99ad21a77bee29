import Foundation

/// Which way a link mirrors: `reversed` after `causeway reverse` (destination to source).
public enum LinkDirection: String, Sendable, Hashable, Codable {
    case forward
    case reversed
}

/// What the daemon last saw of one mirrored partition. After the source is lost, its
/// high watermark here is the best answer to "how much was there".
public struct PartitionMark: Sendable, Hashable, Codable {
    public var destination: String
    public var topic: String
    public var partition: Int32
    public var sourceHighWatermark: Int64
    public var destinationLogEnd: Int64
    public var updatedAt: Date

    public init(destination: String, topic: String, partition: Int32, sourceHighWatermark: Int64, destinationLogEnd: Int64, updatedAt: Date) {
        self.destination = destination
        self.topic = topic
        self.partition = partition
        self.sourceHighWatermark = sourceHighWatermark
        self.destinationLogEnd = destinationLogEnd
        self.updatedAt = updatedAt
    }
}

/// A desired state for a topic, written by the CLI and acknowledged by the daemon.
public struct TopicControl: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        /// Mirroring stops until `causeway resume`.
        case paused
        /// Mirroring stops for good: the destination is now the primary.
        case failedOver = "failed-over"
    }

    /// The topic, or `TopicControl.allTopics` for every topic of the link.
    public var topic: String
    public var state: State
    public var requestedAt: Date
    /// When a running daemon confirmed that no mirror of the topic writes any more.
    public var acknowledgedAt: Date?

    /// The topic name that stands for every topic of the link (not a legal Kafka name).
    public static let allTopics = "*"

    public init(topic: String, state: State, requestedAt: Date, acknowledgedAt: Date? = nil) {
        self.topic = topic
        self.state = state
        self.requestedAt = requestedAt
        self.acknowledgedAt = acknowledgedAt
    }

    /// Whether this control covers `name`.
    public func covers(_ name: String) -> Bool { topic == Self.allTopics || topic == name }
}

/// The running daemon's last sign of life.
public struct DaemonHeartbeat: Sendable, Hashable, Codable {
    public var processID: Int32
    public var host: String
    public var beatAt: Date

    public init(processID: Int32, host: String, beatAt: Date) {
        self.processID = processID
        self.host = host
        self.beatAt = beatAt
    }
}

/// What a failover found for one partition, kept so that running it again reprints it.
public struct FailoverReceipt: Sendable, Hashable, Codable {
    public var destination: String
    public var topic: String
    public var partition: Int32
    /// The source's high watermark: read at failover if the source answered, else the
    /// last one the daemon recorded.
    public var sourceHighWatermark: Int64
    public var sourceAnswered: Bool
    public var destinationLogEnd: Int64
    /// Source records (by offset) that the destination does not hold.
    public var recordsPossiblyLost: Int64
    public var failedOverAt: Date
    /// What was done to the partition, in words.
    public var note: String

    public init(
        destination: String, topic: String, partition: Int32, sourceHighWatermark: Int64, sourceAnswered: Bool,
        destinationLogEnd: Int64, recordsPossiblyLost: Int64, failedOverAt: Date, note: String
    ) {
        self.destination = destination
        self.topic = topic
        self.partition = partition
        self.sourceHighWatermark = sourceHighWatermark
        self.sourceAnswered = sourceAnswered
        self.destinationLogEnd = destinationLogEnd
        self.recordsPossiblyLost = recordsPossiblyLost
        self.failedOverAt = failedOverAt
        self.note = note
    }
}

/// A consumer group's committed offset as the offset sync last copied it.
public struct GroupOffsetSnapshot: Sendable, Hashable, Codable {
    public var destination: String
    public var group: String
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var recordedAt: Date

    public init(destination: String, group: String, topic: String, partition: Int32, offset: Int64, recordedAt: Date) {
        self.destination = destination
        self.group = group
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.recordedAt = recordedAt
    }
}
