import CausewayStore
import Foundation
import KafkaClient

/// What one round of consumer-offset sync did, per destination and group.
public struct OffsetSyncReport: Sendable, Codable, Hashable {
    /// One group on one destination.
    public struct GroupResult: Sendable, Codable, Hashable {
        public var destination: String
        public var group: String
        /// SYNCED (offsets written or already equal), SKIPPED (active members on the
        /// destination) or FAILED.
        public var outcome: String
        /// Why it was skipped or failed.
        public var reason: String?
        /// The offsets committed this round.
        public var committed: [CommittedOffset] = []
    }

    /// One offset committed on a destination.
    public struct CommittedOffset: Sendable, Codable, Hashable {
        public var topic: String
        public var partition: Int32
        public var offset: Int64
        /// True when the source's offset was past the destination log end and lowered to it.
        public var clamped: Bool
    }

    public var groups: [GroupResult] = []
    /// How long the round took, in seconds.
    public var durationSeconds: Double = 0

    public init() {}

    /// The offsets committed for `group` on `destination`, by partition.
    public func committed(group: String, destination: String) -> [TopicPartitionID: Int64] {
        var offsets: [TopicPartitionID: Int64] = [:]
        for result in groups where result.group == group && result.destination == destination {
            for entry in result.committed { offsets[TopicPartitionID(entry.topic, entry.partition)] = entry.offset }
        }
        return offsets
    }

    /// The offsets this round committed, as the store keeps them.
    public func snapshots(at time: Date) -> [GroupOffsetSnapshot] {
        groups.flatMap { result in
            result.committed.map {
                GroupOffsetSnapshot(
                    destination: result.destination, group: result.group, topic: $0.topic, partition: $0.partition,
                    offset: $0.offset, recordedAt: time)
            }
        }
    }

    /// The result for `group` on `destination`, if the round looked at it.
    public func result(group: String, destination: String) -> GroupResult? {
        groups.first { $0.group == group && $0.destination == destination }
    }
}
