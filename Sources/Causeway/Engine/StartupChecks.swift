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

    /// Finishes a bootstrap that a crash interrupted: if the destination still begins
    /// with filler records below the source's log start (written before DeleteRecords
    /// could run), moves its log start up to the source's. Returns the destination log
    /// start afterwards.
    func finishInterruptedBootstrap(destinationLogEnd: Int64, sourceLogStart: Int64) async throws -> Int64 {
        let destinationStart = try await destination.listOffsets([partition: .earliest])[partition]!.get().offset
        guard destinationStart < sourceLogStart, destinationStart < destinationLogEnd else { return destinationStart }
        var cursor = BatchCursor(client: destination, partition: partition, end: destinationLogEnd)
        guard let first = try await cursor.batch(at: destinationStart), !first.isControl,
            try ComparableRecord.records(of: first).allSatisfy(\.isFiller)
        else { return destinationStart }
        let target = min(sourceLogStart, destinationLogEnd)
        logger.notice("finishing an interrupted bootstrap: DeleteRecords up to \(target) (fillers from \(destinationStart))")
        return try await destination.deleteRecords(before: [partition: target])[partition]!.get()
    }

    /// Compares the destination's last batch with the source: a record someone else
    /// wrote (while the daemon was down, or before a restart that would otherwise forget
    /// a DIVERGED state) shows up there. Returns the divergence, or nil.
    func tailDivergence(destinationLogStart: Int64, destinationLogEnd: Int64) async throws -> PartitionComparison.Difference? {
        guard destinationLogEnd > destinationLogStart else { return nil }
        var cursor = BatchCursor(client: destination, partition: partition, end: destinationLogEnd)
        guard let last = try await lastBatch(&cursor, logStart: destinationLogStart, logEnd: destinationLogEnd) else { return nil }
        let comparison = try await PartitionVerifier(source: source, destination: destination)
            .compare(partition, from: max(last.baseOffset, destinationLogStart))
        return comparison.differences.first { difference in
            switch difference.kind {
            case .mismatch, .extra: return difference.offset < destinationLogEnd && difference.offset < comparison.sourceHighWatermark
            case .missing: return false  // the source being ahead is lag, not divergence
            }
        }
    }

    private func lastBatch(_ cursor: inout BatchCursor, logStart: Int64, logEnd: Int64) async throws -> RecordBatch? {
        // The batch holding the last offset: fetching from logEnd - 1 returns it whole.
        try await cursor.batch(at: max(logStart, logEnd - 1))
    }

    private func logEnd() async throws -> Int64 {
        try await destination.listOffsets([partition: .latest])[partition]!.get().offset
    }
}
