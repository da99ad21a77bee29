import Testing
@testable import KafkaBroker

/// Long-poll waiters. No test sleeps: a wake-up test waits with a far deadline and checks
/// it returned promptly after `notify`; only the timeout tests use short deadlines.
@Suite struct FetchWaitersTests {
    typealias Reason = FetchWaiters.WakeReason

    static func p(_ index: Int32, _ topic: String = "foo") -> TopicPartition {
        TopicPartition(topic: topic, partition: index)
    }

    static var farDeadline: ContinuousClock.Instant { .now + .seconds(60) }

    /// Yields until `count` waits are registered (no sleeping; bounded so a bug fails
    /// instead of hanging).
    static func registered(_ waiters: FetchWaiters, _ count: Int) async throws {
        for _ in 0..<1_000_000 where waiters.waiterCount < count {
            await Task.yield()
        }
        try #require(waiters.waiterCount == count)
    }

    @Test func wakesPromptlyOnNotifyOfAWatchedPartition() async throws {
        let waiters = FetchWaiters()
        let task = Task { await waiters.wait(for: [Self.p(0), Self.p(1)], until: Self.farDeadline) }
        try await Self.registered(waiters, 1)
        let notified = ContinuousClock.now
        waiters.notify(Self.p(1))
        #expect(await task.value == .notified)
        #expect(ContinuousClock.now - notified < .seconds(10))
        #expect(waiters.waiterCount == 0)
    }

    @Test func notifyOfAnUnwatchedPartitionDoesNotWake() async throws {
        let waiters = FetchWaiters()
        let task = Task { await waiters.wait(for: [Self.p(0)], until: Self.farDeadline) }
        try await Self.registered(waiters, 1)
        waiters.notify(Self.p(1))
        waiters.notify(Self.p(0, "bar"))
        // notify removes the waiters it wakes synchronously, so this is decisive.
        #expect(waiters.waiterCount == 1)
        waiters.notify(Self.p(0))
        #expect(await task.value == .notified)
    }

    @Test func oneNotifyWakesEveryWaiterOfThatPartitionOnly() async throws {
        let waiters = FetchWaiters()
        let onZero = (0..<3).map { _ in Task { await waiters.wait(for: [Self.p(0)], until: Self.farDeadline) } }
        let onOne = (0..<2).map { _ in Task { await waiters.wait(for: [Self.p(1)], until: Self.farDeadline) } }
        try await Self.registered(waiters, 5)
        waiters.notify(Self.p(0))
        for task in onZero { #expect(await task.value == .notified) }
        #expect(waiters.waiterCount == 2)
        waiters.notify(Self.p(1))
        for task in onOne { #expect(await task.value == .notified) }
        #expect(waiters.waiterCount == 0)
    }

    @Test func timesOutAtTheDeadline() async {
        let waiters = FetchWaiters()
        let started = ContinuousClock.now
        let reason = await waiters.wait(for: [Self.p(0)], until: started + .milliseconds(50))
        #expect(reason == .deadlinePassed)
        #expect(ContinuousClock.now - started >= .milliseconds(50))
        #expect(waiters.waiterCount == 0, "the losing notification side was removed")
    }

    @Test func pastDeadlineReturnsAtOnce() async {
        let waiters = FetchWaiters()
        #expect(await waiters.wait(for: [Self.p(0)], until: .now - .seconds(1)) == .deadlinePassed)
        #expect(waiters.waiterCount == 0)
    }

    @Test func cancellationEndsTheWaitAndRemovesIt() async throws {
        let waiters = FetchWaiters()
        let task = Task { await waiters.wait(for: [Self.p(0)], until: Self.farDeadline) }
        try await Self.registered(waiters, 1)
        task.cancel()
        #expect(await task.value == .cancelled)
        #expect(waiters.waiterCount == 0)
        // A later notify finds nothing to resume twice.
        waiters.notify(Self.p(0))
    }

    @Test func cancellationRacingRegistrationNeverLeaks() async {
        // Cancel at once, before, during or after registration: every wait must end
        // cancelled and leave nothing behind.
        let waiters = FetchWaiters()
        for _ in 0..<300 {
            let task = Task { await waiters.wait(for: [Self.p(0)], until: Self.farDeadline) }
            task.cancel()
            #expect(await task.value == .cancelled)
        }
        #expect(waiters.waiterCount == 0)
    }

    @Test func notifyRacingCancellationResumesOnce() async {
        // A notify and a cancel at nearly the same time: one of them wins, the
        // continuation is resumed once (a double resume would trap), nothing is left.
        let waiters = FetchWaiters()
        for _ in 0..<300 {
            let task = Task { await waiters.wait(for: [Self.p(0)], until: Self.farDeadline) }
            await Task.yield()
            waiters.notify(Self.p(0))
            task.cancel()
            let reason = await task.value
            #expect(reason == .notified || reason == .cancelled)
        }
        #expect(waiters.waiterCount == 0)
    }

    @Test func manyConcurrentWaiters() async throws {
        let waiters = FetchWaiters()
        let count = 1000
        let reasons = try await withThrowingTaskGroup(of: Reason.self) { group in
            for index in 0..<count {
                group.addTask {
                    await waiters.wait(for: [Self.p(Int32(index % 10)), Self.p(99, "other")], until: Self.farDeadline)
                }
            }
            try await Self.registered(waiters, count)
            for partition in 0..<10 { waiters.notify(Self.p(Int32(partition))) }
            var reasons: [Reason] = []
            for try await reason in group { reasons.append(reason) }
            return reasons
        }
        #expect(reasons.count == count)
        #expect(reasons.allSatisfy { $0 == .notified })
        #expect(waiters.waiterCount == 0)
    }

    @Test func markCatchesANotificationThatCameBeforeTheWait() async {
        // The handler marks, reads (too little), then an append notifies before it waits.
        let waiters = FetchWaiters()
        let mark = waiters.mark()
        waiters.notify(Self.p(0))
        let started = ContinuousClock.now
        #expect(await waiters.wait(for: [Self.p(0)], until: Self.farDeadline, since: mark) == .notified)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(waiters.waiterCount == 0)
    }

    @Test func markIgnoresEarlierAndUnwatchedNotifications() async {
        let waiters = FetchWaiters()
        waiters.notify(Self.p(0))
        let mark = waiters.mark()
        waiters.notify(Self.p(1))
        let reason = await waiters.wait(for: [Self.p(0)], until: .now + .milliseconds(30), since: mark)
        #expect(reason == .deadlinePassed)
    }

    @Test func notifyAllWakesEveryone() async throws {
        let waiters = FetchWaiters()
        let tasks = (0..<5).map { index in
            Task { await waiters.wait(for: [Self.p(Int32(index))], until: Self.farDeadline) }
        }
        try await Self.registered(waiters, 5)
        waiters.notifyAll()
        for task in tasks { #expect(await task.value == .notified) }
        #expect(waiters.waiterCount == 0)
        // Not a shutdown: later waits wait.
        #expect(await waiters.wait(for: [Self.p(0)], until: .now + .milliseconds(20)) == .deadlinePassed)
    }

    @Test func shutDownWakesEveryoneAndLaterWaitsReturnAtOnce() async throws {
        let waiters = FetchWaiters()
        let tasks = (0..<3).map { _ in Task { await waiters.wait(for: [Self.p(0)], until: Self.farDeadline) } }
        try await Self.registered(waiters, 3)
        waiters.shutDown()
        for task in tasks { #expect(await task.value == .shutDown) }
        #expect(await waiters.wait(for: [Self.p(0)], until: Self.farDeadline) == .shutDown)
        #expect(waiters.waiterCount == 0)
    }
}
