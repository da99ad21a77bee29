import CausewayStore
import Foundation
import Logging

/// Connects a running link engine to its checkpoint store, once a second: a heartbeat
/// (so `causeway failover` knows a daemon is there to stop the mirrors), the controls
/// the CLI wrote (applied to `MirrorControl`, acknowledged once in force), and every
/// partition's source high watermark and destination log end (the receipt's numbers
/// when the source is gone).
struct StoreController: Sendable {
    let store: any CheckpointStore
    let control: MirrorControl
    let board: StatusBoard
    let interval: Duration
    let logger: Logger

    func run() async {
        let processID = getpid()
        let host = ProcessInfo.processInfo.hostName
        var failures = 0
        while !Task.isCancelled {
            do {
                try tick(processID: processID, host: host)
                failures = 0
            } catch {
                failures += 1
                if failures == 1 || failures % 30 == 0 { logger.warning("checkpoint store: \(error)") }
            }
            try? await Task.sleep(for: interval)
        }
        try? store.clearHeartbeat(processID: processID)
    }

    /// One round: beat, apply, acknowledge, record.
    func tick(processID: Int32, host: String) throws {
        let now = Date()
        try store.beat(DaemonHeartbeat(processID: processID, host: host, beatAt: now))
        let controls = try store.controls()
        control.apply(controls)
        let pending = controls.filter { $0.acknowledgedAt == nil }
        try store.acknowledge(control.enforced(pending), at: now)
        try store.recordMarks(board.snapshot.compactMap { line in
            // A worker that has not read its offsets yet knows nothing: keep the last marks.
            guard line.state != "STARTING" else { return nil }
            return PartitionMark(
                destination: line.destination, topic: line.topic, partition: line.partition,
                sourceHighWatermark: line.sourceHighWatermark, destinationLogEnd: line.destinationLogEnd, updatedAt: now)
        })
    }
}
