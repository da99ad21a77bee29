import Foundation

/// Where a link keeps what its destinations cannot tell, and the control plane between
/// the CLI and the daemon: the CLI writes desired states (`TopicControl`), the daemon
/// polls them, acts, and acknowledges.
///
/// `SQLiteCheckpointStore` is the default; the compacted-topic store of DESIGN.md
/// implements the same protocol.
public protocol CheckpointStore: Sendable {
    /// The link the store belongs to.
    var link: String { get }

    func direction() throws -> LinkDirection
    func setDirection(_ direction: LinkDirection) throws

    func beat(_ heartbeat: DaemonHeartbeat) throws
    func heartbeat() throws -> DaemonHeartbeat?
    /// Removes the heartbeat of `processID` (a daemon stopping cleanly).
    func clearHeartbeat(processID: Int32) throws

    func recordMarks(_ marks: [PartitionMark]) throws
    func marks() throws -> [PartitionMark]

    /// Sets the desired state of a topic; nil removes it (mirroring goes on).
    func setControl(topic: String, state: TopicControl.State?, at time: Date) throws
    func controls() throws -> [TopicControl]
    /// The daemon confirms that the given controls are in force.
    func acknowledge(_ controls: [TopicControl], at time: Date) throws

    /// Stores receipts; a partition that already has one keeps the first.
    func saveReceipts(_ receipts: [FailoverReceipt]) throws
    func receipts() throws -> [FailoverReceipt]
    /// Forgets the receipts of `topics` (after `causeway reverse` the failover is over).
    func removeReceipts(topics: [String]) throws

    func recordGroupOffsets(_ offsets: [GroupOffsetSnapshot]) throws
    func groupOffsets() throws -> [GroupOffsetSnapshot]

    /// The transaction replay checkpoint of a destination partition (a document the
    /// engine encodes), durable when `saveReplayCheckpoint` returns.
    func replayCheckpoint(destination: String, topic: String, partition: Int32) throws -> String?
    func saveReplayCheckpoint(_ document: String, destination: String, topic: String, partition: Int32) throws
}
