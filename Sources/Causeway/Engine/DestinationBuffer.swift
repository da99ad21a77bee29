import KafkaClient
import Synchronization

/// The bytes of fetched source batches waiting to be written to one destination, across
/// all of its partitions: `produce.bufferBytes` made real.
///
/// Each partition's mirror bounds its own buffer (`maxBufferedBytes`), but a thousand
/// partitions catching up at once would multiply that. So every worker reports what its
/// mirror holds after each event, and a worker asks `admit` before each fetch: while
/// the destination's total is at or above the capacity, fetches wait until writes drain
/// it. A partition holding an unfinished source transaction is always admitted: its
/// span cannot be written before its marker is fetched, so making it wait for others
/// to drain could wait forever (its own size is bounded by `maxTransactionBytes`).
final class DestinationBuffer: Sendable {
    let capacity: Int
    private let state = Mutex(State())

    private struct State {
        var held: [TopicPartitionID: Int] = [:]
        var total = 0
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Bytes held now, for status and tests.
    var total: Int { state.withLock(\.total) }

    /// Records what `partition`'s mirror holds now; wakes waiting fetches when room appears.
    func update(_ partition: TopicPartitionID, holds bytes: Int) {
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.total += bytes - state.held[partition, default: 0]
            state.held[partition] = bytes == 0 ? nil : bytes
            guard state.total < capacity else { return [] }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns when a fetch for this destination may start, or when the task is cancelled.
    func admit(holdingTransaction: Bool) async {
        if holdingTransaction { return }
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let admitted = state.withLock { state in
                    if state.total < capacity || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if admitted { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
