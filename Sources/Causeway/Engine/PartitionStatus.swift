import Foundation

/// What `causeway status` shows for one mirrored partition on one destination.
public struct PartitionStatus: Codable, Hashable, Sendable {
    public var destination: String
    public var topic: String
    public var partition: Int32
    /// BOOTSTRAPPING, MIRRORING, PAUSED, FAILED, DIVERGED, STOPPED (or STARTING).
    public var state: String
    /// Why the partition failed or diverged, with the offset.
    public var reason: String?
    /// exact, records or filled: the worst of what was written so far.
    public var fidelity: String
    public var sourceHighWatermark: Int64
    public var destinationLogEnd: Int64
    public var lagRecords: Int64
    public var lagBytes: Int
    /// Seconds since the destination last caught up with the source, 0 when caught up.
    public var lagSeconds: Double
    public var offsetsWritten: Int64
    public var fillerRecords: Int64

    public init(destination: String, topic: String, partition: Int32) {
        self.destination = destination
        self.topic = topic
        self.partition = partition
        state = "STARTING"
        fidelity = "exact"
        sourceHighWatermark = 0
        destinationLogEnd = 0
        lagRecords = 0
        lagBytes = 0
        lagSeconds = 0
        offsetsWritten = 0
        fillerRecords = 0
    }
}

/// The status of a whole link, as the daemon writes it to its status file.
public struct LinkStatus: Codable, Sendable {
    public var link: String
    public var updatedAt: Date
    public var processID: Int32
    public var partitions: [PartitionStatus]
    /// The latest consumer-offset sync round; absent when the link syncs no groups.
    public var offsetSync: OffsetSyncReport?

    public init(link: String, updatedAt: Date, processID: Int32, partitions: [PartitionStatus]) {
        self.link = link
        self.updatedAt = updatedAt
        self.processID = processID
        self.partitions = partitions
    }
}
