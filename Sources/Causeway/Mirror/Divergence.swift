/// The destination no longer matches the source at `offset`: the partition stops,
/// and nothing Causeway can do through a stock client repairs it (a client cannot
/// truncate a log, KAFKA-RULES). An operator re-seeds the partition or accepts it.
public struct Divergence: Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// A Produce response assigned another base offset than the batch's source offset:
        /// something else wrote to the partition (assigned > expected), or the destination
        /// lost acknowledged data (assigned < expected).
        case unexpectedBaseOffset(expected: Int64, assigned: Int64)
        /// After a failed Produce, the destination log end is not where any prefix of
        /// the unacknowledged batches would put it.
        case unexpectedLogEnd(acknowledged: Int64, found: Int64)
        /// At start-up the destination holds offsets past the source's high watermark.
        case destinationAheadOfSource(destinationLogEnd: Int64, sourceHighWatermark: Int64)
        /// The source's log now ends before offsets already mirrored (unclean leader
        /// election, or the topic recreated).
        case sourceTruncated(sourceHighWatermark: Int64)
        /// A transaction replay left the destination log end elsewhere than the span's end.
        case transactionReplay(expected: Int64, found: Int64)
        /// A replay interrupted by a crash could not be continued: the destination's
        /// coordinator had aborted its transaction (the outage outlasted the transaction
        /// timeout), so aborted records sit where the source has other data.
        case replayTransactionAborted
    }

    /// The first offset at which the destination may differ from the source.
    public var offset: Int64
    public var reason: Reason

    public init(offset: Int64, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .unexpectedBaseOffset(let expected, let assigned):
            "diverged at offset \(offset): the destination assigned base offset \(assigned) to the batch of source offset \(expected)"
        case .unexpectedLogEnd(let acknowledged, let found):
            "diverged at offset \(offset): destination log end \(found) after a failed Produce matches no batch boundary (acknowledged up to \(acknowledged))"
        case .destinationAheadOfSource(let end, let hw):
            "diverged at offset \(offset): the destination log end \(end) is past the source high watermark \(hw)"
        case .sourceTruncated(let hw):
            "diverged at offset \(offset): the source log now ends at \(hw), before offsets already mirrored"
        case .transactionReplay(let expected, let found):
            "diverged at offset \(offset): after a transaction replay the destination log end is \(found), expected \(expected)"
        case .replayTransactionAborted:
            "diverged at offset \(offset): the destination aborted the replay transaction a crash interrupted (down longer than the transaction timeout)"
        }
    }
}
