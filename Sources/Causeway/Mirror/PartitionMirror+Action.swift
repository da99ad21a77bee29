extension PartitionMirror {
    /// What the engine must do next. An event returns the actions in the order to
    /// perform them; they are independent of each other (a fetch and a produce can be
    /// issued together). An empty list means nothing to do until the next event.
    public enum Action: Hashable, Sendable {
        /// Fetch the source partition (read_uncommitted: markers and open transactions are
        /// needed) from this offset; answer with `fetched` or a fetch error event.
        case fetch(from: Int64)
        /// Caught up: the source holds nothing at or after this offset yet. Fetch from it
        /// with a long poll (max wait), and answer as for `.fetch`.
        case waitForHighWatermark(from: Int64)
        /// Produce this one batch (one batch per partition per request, KAFKA-RULES rule 1)
        /// with acks=all, baseOffset zeroed; answer with `produceAcknowledged` or
        /// `produceFailed` for `plan.baseOffset`.
        case produce(BatchPlan)
        /// Replay a transaction span (see `TransactionReplay`); answer with
        /// `transactionReplayed` or `transactionReplayFailed`.
        case replayTransaction(TransactionReplay)
        /// Read the destination log end (ListOffsets latest, isolation read_uncommitted)
        /// and answer with `destinationLogEndRead`. Asked after a failed Produce, once no
        /// Produce of the partition is in flight; wait out the produce timeout first
        /// (see `produceFailed`).
        case readDestinationLogEnd
        /// DeleteRecords on the destination partition up to this offset (end of the
        /// bootstrap); answer with `deleteRecordsCompleted` or `deleteRecordsFailed`.
        case deleteRecords(before: Int64)
        /// The partition diverged and stopped: log it, raise an alert, show it in status.
        case reportDiverged(Divergence)
        /// The partition failed and stopped: log it, raise an alert, show it in status.
        case reportFailed(MirrorFailure)
        /// Source offsets `[from, to)` were deleted at the source before they were copied;
        /// they are filled on the destination. Log it and alert: it is data loss.
        case reportSourceDataLoss(from: Int64, to: Int64)
    }

    /// Where the mirror is in its life.
    public enum State: Hashable, Sendable {
        /// Created, `started` not yet received.
        case idle
        /// Writing fillers below the start position and the first batches; DeleteRecords
        /// up to `logStart` follows once the destination log end reaches it.
        case bootstrapping(logStart: Int64)
        case mirroring
        /// No new fetch or produce; responses to those in flight are still handled.
        case paused
        case failed(MirrorFailure)
        case diverged(Divergence)
        case stopped
    }
}
