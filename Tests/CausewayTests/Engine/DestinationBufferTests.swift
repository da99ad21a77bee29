@testable import Causeway
import KafkaClient
import Synchronization
import Testing

/// `produce.bufferBytes` across partitions: fetches wait while a destination holds too
/// much, and go on as writes drain it.
@Suite struct DestinationBufferTests {
    let first = TopicPartitionID("t", 0)
    let second = TopicPartitionID("t", 1)

    @Test func admitsWhileBelowCapacityAndCountsEveryPartition() async {
        let buffer = DestinationBuffer(capacity: 100)
        await buffer.admit(holdingTransaction: false)
        buffer.update(first, holds: 60)
        buffer.update(second, holds: 30)
        #expect(buffer.total == 90)
        buffer.update(first, holds: 10)
        #expect(buffer.total == 40)
        buffer.update(second, holds: 0)
        #expect(buffer.total == 10)
    }

    @Test func aFetchWaitsUntilWritesDrainTheBuffer() async {
        let buffer = DestinationBuffer(capacity: 100)
        buffer.update(first, holds: 150)
        let admitted = Flag()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await buffer.admit(holdingTransaction: false)
                admitted.value.store(true, ordering: .sequentiallyConsistent)
            }
            // Still full: the fetch must keep waiting.
            buffer.update(first, holds: 120)
            try? await Task.sleep(for: .milliseconds(50))
            let tooEarly = admitted.value.load(ordering: .sequentiallyConsistent)
            #expect(!tooEarly)
            buffer.update(first, holds: 20)
            await group.waitForAll()
        }
        let finallyAdmitted = admitted.value.load(ordering: .sequentiallyConsistent)
        #expect(finallyAdmitted)
    }

    @Test func aPartitionGatheringATransactionIsNeverHeldBack() async {
        let buffer = DestinationBuffer(capacity: 100)
        buffer.update(first, holds: 500)
        await buffer.admit(holdingTransaction: true)
    }

    @Test func cancellingAWaitingFetchReleasesIt() async {
        let buffer = DestinationBuffer(capacity: 10)
        buffer.update(first, holds: 50)
        let task = Task { await buffer.admit(holdingTransaction: false) }
        task.cancel()
        await task.value
        #expect(buffer.total == 50)
    }
}

private final class Flag: Sendable {
    let value = Atomic<Bool>(false)
}
