import KafkaClient
import KafkaProtocol
import Logging

/// What a partition worker checks on the destination before it mirrors, so that a
/// restart (after a crash, a kill -9, or days of downtime) resumes exactly where the
/// destination really is.
struct StartupChecks: Sendable {
    let partition: TopicPartitionID
    let source: KafkaClient
    let destination: KafkaClient
    let logger: Logger

    /// How long the destination log end must stay put before it is trusted.
    static let settleInterval: Duration = .milliseconds(500)

    /// The destination log end once it has stopped moving.
    ///
    /// A daemon that was killed may have left a Produce in flight: the broker still
    /// appends it after the process is gone. Reading the log end before that append and
    /// sending the batch again would write it twice. So the log end is read until two
    /// reads `settleInterval` apart agree. This narrows the window to requests delayed
    /// longer than that inside the broker; the offset check still reports anything that
    /// slips through as DIVERGED instead of hiding it.
    func settledLogEnd() async throws -> Int64 {
        var previous = try await logEnd()
        for _ in 0..<20 {
            try await Task.sleep(for: Self.settleInterval)
            let current = try await logEnd()
            if current == previous { return current }
            previous = current
        }
        return previous
    }

    /// What a crash may have left of a bootstrap.
    enum BootstrapState: Equatable {
        /// No bootstrap left unfinished; the destination's log start.
        case none(logStart: Int64)
        /// The fillers stop short of the source's log start: the mirror carries on.
        case fillersIncomplete
    }

    /// Finishes a bootstrap that a crash interrupted. A destination that still begins
    /// with filler records below the source's log start was being bootstrapped: if its
    /// data already reaches the source's log start, only DeleteRecords was missing and
    /// it is done now; if not, the mirror must resume writing fillers.
    func finishInterruptedBootstrap(destinationLogEnd: Int64, sourceLogStart: Int64) async throws -> BootstrapState {
        let destinationStart = try await destination.listOffsets([partition: .earliest])[partition]!.get().offset
        guard destinationStart < sourceLogStart, destinationStart < destinationLogEnd else { return .none(logStart: destinationStart) }
        var cursor = BatchCursor(client: destination, partition: partition, end: destinationLogEnd)
        guard let first = try await cursor.batch(at: destinationStart), !first.isControl,
            try ComparableRecord.records(of: first).allSatisfy(\.isFiller)
        else { return .none(logStart: destinationStart) }
        guard destinationLogEnd >= sourceLogStart else {
            logger.notice("resuming an interrupted bootstrap: fillers reach \(destinationLogEnd), the source starts at \(sourceLogStart)")
            return .fillersIncomplete
        }
        logger.notice("finishing an interrupted bootstrap: DeleteRecords up to \(sourceLogStart) (fillers from \(destinationStart))")
        let logStart = try await destination.deleteRecords(before: [partition: sourceLogStart])[partition]!.get()
        return .none(logStart: logStart)
    }

    /// How far back from the tail a divergence is traced to its first offset.
    static let maximumBatchesTracedBack = 64

    /// Compares the destination's last batch with the source: a record someone else
    /// wrote (while the daemon was down, or before a restart that would otherwise forget
    /// a DIVERGED state) shows up there. If it differs, earlier batches are compared too,
    /// walking back until one matches, so the divergence is reported at its first offset.
    /// Returns the divergence, or nil.
    func tailDivergence(destinationLogStart: Int64, destinationLogEnd: Int64) async throws -> PartitionComparison.Difference? {
        var end = destinationLogEnd
        var found: PartitionComparison.Difference?
        for _ in 0..<Self.maximumBatchesTracedBack where end > destinationLogStart {
            // The batch holding offset end - 1: fetching from there returns it whole.
            var cursor = BatchCursor(client: destination, partition: partition, end: end)
            guard let batch = try await cursor.batch(at: end - 1) else { break }
            let start = max(batch.baseOffset, destinationLogStart)
            let comparison = try await PartitionVerifier(source: source, destination: destination)
                .compare(partition, from: start, to: end)
            let difference = comparison.differences.first { difference in
                switch difference.kind {
                case .mismatch, .extra: return difference.offset < comparison.sourceHighWatermark
                case .missing: return false  // the source being ahead is lag, not divergence
                }
            }
            guard let difference else { break }
            found = difference
            end = start
        }
        return found
    }

    private func logEnd() async throws -> Int64 {
        try await destination.listOffsets([partition: .latest])[partition]!.get().offset
    }
}
