/// The COMMIT or ABORT markers one transaction end needs: one control batch on each of
/// its partitions, then the transaction completes.
public struct TransactionMarkerJob: Hashable, Sendable {
    public var transactionalId: String
    public var producerId: Int64
    /// The epoch the markers carry: the producer's, or the bumped one after fencing.
    public var producerEpoch: Int16
    public var isCommit: Bool
    public var partitions: [TopicPartition]
    /// This broker runs one coordinator that never moves: always 0, as in FINDINGS f.
    public var coordinatorEpoch: Int32 = 0
    /// Resumed after a restart: a partition whose producer has no open transaction may
    /// already hold this marker (the crash came between the marker and the completion),
    /// and gets none again, so each transaction keeps one marker per partition.
    public var isRecovery = false
}
