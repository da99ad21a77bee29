import CausewayStore
import KafkaClient
import Synchronization

/// The daemon's side of the control plane: which topics are paused or failed over now,
/// and which partition workers are running, so that a control can stop them and be
/// acknowledged only once none of them writes any more.
///
/// A worker registers when it starts and gets back the control that already covers its
/// topic, if any (it then does not mirror at all); while it runs, a new control reaches
/// it through its `halt` callback. Registering and applying take the same lock, so a
/// worker that starts while a control arrives either sees it at registration or is
/// halted by `apply`: it cannot slip between the two.
final class MirrorControl: Sendable {
    struct WorkerKey: Hashable, Sendable {
        var destination: String
        var partition: TopicPartitionID
    }

    private struct State {
        var controls: [TopicControl] = []
        var workers: [WorkerKey: @Sendable (TopicControl.State) -> Void] = [:]
    }

    private let state = Mutex(State())

    /// The control covering `topic`; a failed-over one wins over a pause.
    func control(for topic: String) -> TopicControl.State? {
        state.withLock { Self.control(for: topic, in: $0.controls) }
    }

    private static func control(for topic: String, in controls: [TopicControl]) -> TopicControl.State? {
        let states = controls.filter { $0.covers(topic) }.map(\.state)
        return states.contains(.failedOver) ? .failedOver : states.first
    }

    /// Registers a starting worker, or returns the control that forbids it to start.
    func register(_ key: WorkerKey, halt: @escaping @Sendable (TopicControl.State) -> Void) -> TopicControl.State? {
        state.withLock { state in
            if let control = Self.control(for: key.partition.topic, in: state.controls) { return control }
            state.workers[key] = halt
            return nil
        }
    }

    func unregister(_ key: WorkerKey) {
        _ = state.withLock { $0.workers.removeValue(forKey: key) }
    }

    /// Puts the store's controls in force: halts every running worker a control covers.
    func apply(_ controls: [TopicControl]) {
        let halts: [(@Sendable (TopicControl.State) -> Void, TopicControl.State)] = state.withLock { state in
            state.controls = controls
            return state.workers.compactMap { key, halt in
                Self.control(for: key.partition.topic, in: controls).map { (halt, $0) }
            }
        }
        for (halt, control) in halts { halt(control) }
    }

    /// The controls no running worker contradicts any more: safe to acknowledge.
    func enforced(_ controls: [TopicControl]) -> [TopicControl] {
        state.withLock { state in
            controls.filter { control in !state.workers.keys.contains { control.covers($0.partition.topic) } }
        }
    }
}
