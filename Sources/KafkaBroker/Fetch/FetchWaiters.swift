import NIOConcurrencyHelpers

/// Long polling for Fetch (`maxWaitMs`, `minBytes`): a handler whose first read found
/// fewer than `minBytes` waits here until one of its partitions changes (the partition
/// layer calls ``notify(_:)`` after an append or a high watermark move), the deadline
/// passes, its task is cancelled, or the broker shuts down; then it reads again. Kafka
/// does this with its delayed-operation purgatory; here it is one dictionary of
/// continuations behind a lock.
///
/// The lost wake-up race: an append can land after the handler's first read and before
/// it starts waiting. Take a ``mark()`` before the first read and pass it to
/// ``wait(for:until:since:)``: if a watched partition was notified after the mark, the
/// wait returns at once. (Without a mark the append is only seen at the deadline.)
///
/// Every continuation is resumed exactly once: whoever removes a waiter from the
/// dictionary under the lock (``notify(_:)``, ``notifyAll()``, ``shutDown()``, or the
/// cancellation handler) resumes it, after releasing the lock.
public final class FetchWaiters: Sendable {
    /// Why a wait ended.
    public enum WakeReason: Hashable, Sendable {
        /// A watched partition was notified (or ``FetchWaiters/notifyAll()`` was called).
        case notified
        /// The deadline passed.
        case deadlinePassed
        /// The waiting task was cancelled.
        case cancelled
        /// The broker is shutting down (``FetchWaiters/shutDown()``).
        case shutDown
    }

    /// A point in the sequence of notifications, taken by ``mark()``.
    public struct Mark: Hashable, Sendable {
        fileprivate let sequence: UInt64
    }

    private struct Waiter {
        var partitions: Set<TopicPartition>
        var continuation: CheckedContinuation<WakeReason, Never>
    }

    private struct State {
        var nextWaiterId: UInt64 = 0
        /// Counts notifications; ``Mark`` compares against it.
        var sequence: UInt64 = 0
        /// The sequence number of each partition's latest notification. One entry per
        /// partition ever notified, so bounded by the broker's partitions.
        var lastNotified: [TopicPartition: UInt64] = [:]
        var waiters: [UInt64: Waiter] = [:]
        var waitersByPartition: [TopicPartition: Set<UInt64>] = [:]
        var isShutDown = false

        mutating func add(_ id: UInt64, _ waiter: Waiter) {
            waiters[id] = waiter
            for partition in waiter.partitions {
                waitersByPartition[partition, default: []].insert(id)
            }
        }

        mutating func remove(_ id: UInt64) -> Waiter? {
            guard let waiter = waiters.removeValue(forKey: id) else { return nil }
            for partition in waiter.partitions {
                waitersByPartition[partition]?.remove(id)
                if waitersByPartition[partition]?.isEmpty == true {
                    waitersByPartition[partition] = nil
                }
            }
            return waiter
        }

        mutating func removeAll() -> [Waiter] {
            let all = Array(waiters.values)
            waiters = [:]
            waitersByPartition = [:]
            return all
        }

        func notified(_ partitions: Set<TopicPartition>, since mark: Mark?) -> Bool {
            guard let mark else { return false }
            return partitions.contains { lastNotified[$0, default: 0] > mark.sequence }
        }
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// The current point in the notification sequence. Take it before the first read.
    public func mark() -> Mark {
        Mark(sequence: state.withLockedValue { $0.sequence })
    }

    /// Waits until one of `partitions` is notified, `deadline` passes, the task is
    /// cancelled, or the waiters shut down, whichever comes first.
    ///
    /// - Parameter mark: if given, a notification of one of `partitions` after it ends
    ///   the wait at once (see the type's discussion).
    @discardableResult
    public func wait(
        for partitions: Set<TopicPartition>, until deadline: ContinuousClock.Instant, since mark: Mark? = nil
    ) async -> WakeReason {
        let immediate: WakeReason? = state.withLockedValue { state in
            if state.isShutDown { return .shutDown }
            if state.notified(partitions, since: mark) { return .notified }
            return nil
        }
        if let immediate { return immediate }
        if Task.isCancelled { return .cancelled }
        if deadline <= ContinuousClock.now { return .deadlinePassed }

        // Race the notification against a timer; the loser is cancelled, which for the
        // notification side removes and resumes its continuation, so nothing is left
        // behind when this returns.
        return await withTaskGroup(of: WakeReason.self) { group in
            group.addTask { await self.waitForNotification(partitions, since: mark) }
            group.addTask {
                do {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    return .deadlinePassed
                } catch {
                    return .cancelled
                }
            }
            let first = await group.next() ?? .cancelled
            group.cancelAll()
            return first
        }
    }

    /// Wakes the waiters watching `partition`, and records the notification for marks.
    public func notify(_ partition: TopicPartition) {
        let woken = state.withLockedValue { state -> [Waiter] in
            state.sequence += 1
            state.lastNotified[partition] = state.sequence
            guard let ids = state.waitersByPartition[partition] else { return [] }
            return ids.compactMap { state.remove($0) }
        }
        for waiter in woken { waiter.continuation.resume(returning: .notified) }
    }

    /// Wakes every current waiter (their handlers read again and answer).
    public func notifyAll() {
        let woken = state.withLockedValue { $0.removeAll() }
        for waiter in woken { waiter.continuation.resume(returning: .notified) }
    }

    /// Wakes every waiter with ``WakeReason/shutDown``, and makes later waits return at
    /// once: for broker shutdown, so no Fetch holds a connection open for `maxWaitMs`.
    public func shutDown() {
        let woken = state.withLockedValue { state -> [Waiter] in
            state.isShutDown = true
            return state.removeAll()
        }
        for waiter in woken { waiter.continuation.resume(returning: .shutDown) }
    }

    /// The number of waits in progress (for metrics and tests).
    public var waiterCount: Int { state.withLockedValue { $0.waiters.count } }

    private func waitForNotification(_ partitions: Set<TopicPartition>, since mark: Mark?) async -> WakeReason {
        let id = state.withLockedValue { state -> UInt64 in
            state.nextWaiterId += 1
            return state.nextWaiterId
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<WakeReason, Never>) in
                // Checked under the same lock as registration: a cancellation that comes
                // before this point finds no waiter to remove, but sets the flag read
                // here first; one that comes after finds the waiter and resumes it.
                let immediate: WakeReason? = state.withLockedValue { state in
                    if state.isShutDown { return .shutDown }
                    if state.notified(partitions, since: mark) { return .notified }
                    if Task.isCancelled { return .cancelled }
                    state.add(id, Waiter(partitions: partitions, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLockedValue { $0.remove(id) }
            waiter?.continuation.resume(returning: .cancelled)
        }
    }
}
