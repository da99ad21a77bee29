import CausewayStore
import Foundation

/// How a CLI command learns that the running daemon has put its controls in force.
public enum DaemonAcknowledgement: Sendable, Equatable {
    /// The daemon confirmed every control: no mirror they cover writes any more.
    case acknowledged
    /// No daemon beats in the store: nothing runs that could write.
    case noDaemon
    /// A daemon was there but stopped beating while we waited (killed): nothing writes now.
    case daemonStopped
    /// The daemon is alive but did not confirm in time.
    case timedOut(DaemonHeartbeat)

    /// How old a heartbeat may be before the daemon counts as gone (it beats every second).
    public static let heartbeatTimeout: TimeInterval = 5

    /// Nothing can still be writing to the controlled topics.
    public var isSettled: Bool {
        if case .timedOut = self { false } else { true }
    }

    /// Polls the store until the daemon has acknowledged the controls of `topics`, the
    /// daemon is gone, or `timeout` passes.
    public static func wait(for topics: [String], in store: any CheckpointStore, timeout: Duration) async throws -> Self {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var sawDaemon = false
        while true {
            let controls = try store.controls().filter { topics.contains($0.topic) }
            if controls.allSatisfy({ $0.acknowledgedAt != nil }) { return .acknowledged }
            guard let beat = try store.heartbeat(), Date().timeIntervalSince(beat.beatAt) < heartbeatTimeout else {
                return sawDaemon ? .daemonStopped : .noDaemon
            }
            sawDaemon = true
            if ContinuousClock.now >= deadline { return .timedOut(beat) }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
