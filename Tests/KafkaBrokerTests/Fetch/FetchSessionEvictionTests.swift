import KafkaProtocol
import Testing
@testable import KafkaBroker

/// The bounded cache: which session makes room for a new one (Kafka's `tryEvict`), and
/// idle expiry, with time moved by hand.
@Suite struct FetchSessionEvictionTests {
    typealias T = FetchTesting

    private func create(
        _ cache: inout FetchSessionCache, partitions: Int32 = 1, follower: Bool = false, at now: ContinuousClock.Instant
    ) -> Int32 {
        let parts = (0..<partitions).map { T.partition($0) }
        let topic = FetchRequest.FetchTopic(topic: "foo", partitions: parts)
        return T.fetch(&cache, T.request(epoch: 0, replicaId: follower ? 1 : -1, [topic]), at: now).outcome.sessionId
    }

    private func touch(_ cache: inout FetchSessionCache, _ id: Int32, at now: ContinuousClock.Instant) {
        let epoch = cache.session(id)!.epoch
        #expect(T.fetch(&cache, T.request(session: id, epoch: epoch, []), at: now).outcome.sessionId == id)
    }

    @Test func fullCacheOfYoungSessionsCreatesNoSession() {
        var cache = T.cache(maxSessions: 2)
        let a = create(&cache, at: T.start)
        let b = create(&cache, at: T.start + .seconds(1))
        let outcome = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))]), at: T.start + .seconds(2)).outcome
        #expect(outcome.sessionId == 0, "young sessions are protected; the fetcher goes on without a session")
        #expect(outcome.errorCode == .none)
        #expect(outcome.partitionNames == ["foo-0"])
        #expect(Set(cache.sessions.keys) == [a, b])
    }

    @Test func leastRecentlyUsedIdleSessionIsEvicted() {
        var cache = T.cache(maxSessions: 2)
        let a = create(&cache, at: T.start)
        let b = create(&cache, at: T.start + .seconds(1))
        touch(&cache, a, at: T.start + .seconds(10))
        #expect(cache.session(b) != nil)
        // At 125 s, b has been idle 124 s (> 120 s), a only 115 s.
        let c = create(&cache, at: T.start + .seconds(125))
        #expect(c > 0)
        #expect(Set(cache.sessions.keys) == [a, c], "b was least recently used and idle > 120 s")
        #expect(cache.evictions == 1)
    }

    @Test func notIdleLongEnoughIsNotEvictedByAnEqualSession() {
        var cache = T.cache(maxSessions: 1)
        let a = create(&cache, at: T.start)
        // Exactly 120 s idle is not more than the interval.
        #expect(create(&cache, at: T.start + .seconds(120)) == 0)
        #expect(cache.session(a) != nil)
        #expect(create(&cache, at: T.start + .milliseconds(120_001)) > 0)
        #expect(cache.session(a) == nil)
    }

    @Test func largerSessionDisplacesSmallerOldOne() {
        var cache = T.cache(maxSessions: 2)
        let small = create(&cache, partitions: 1, at: T.start)
        let big = create(&cache, partitions: 5, at: T.start)
        // Both used at 200 s: old enough (> 120 s since creation) to be evictable, not idle.
        touch(&cache, small, at: T.start + .seconds(200))
        touch(&cache, big, at: T.start + .seconds(200))
        // An equal-sized newcomer (1 partition) cannot displace the 1-partition session...
        #expect(create(&cache, partitions: 1, at: T.start + .seconds(201)) == 0)
        // ...a 3-partition one displaces it, not the 5-partition one.
        let newcomer = create(&cache, partitions: 3, at: T.start + .seconds(201))
        #expect(newcomer > 0)
        #expect(Set(cache.sessions.keys) == [big, newcomer])
    }

    @Test func followerDisplacesYoungConsumerSession() {
        var cache = T.cache(maxSessions: 1)
        let consumer = create(&cache, partitions: 10, at: T.start)
        let follower = create(&cache, partitions: 1, follower: true, at: T.start + .seconds(1))
        #expect(follower > 0)
        #expect(cache.session(consumer) == nil)
        // A consumer cannot displace the young follower session.
        #expect(create(&cache, partitions: 50, at: T.start + .seconds(2)) == 0)
        #expect(cache.session(follower) != nil)
    }

    @Test func zeroSlotsDisablesSessions() {
        var cache = T.cache(maxSessions: 0)
        let outcome = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))])).outcome
        #expect(outcome.sessionId == 0)
        #expect(cache.count == 0)
    }

    @Test func idleSessionsExpire() {
        var cache = T.cache()
        let a = create(&cache, at: T.start)
        let b = create(&cache, at: T.start)
        touch(&cache, b, at: T.start + .seconds(100))
        #expect(cache.removeIdleSessions(now: T.start + .seconds(120)).isEmpty)
        #expect(cache.removeIdleSessions(now: T.start + .seconds(121)) == [a])
        #expect(cache.session(b) != nil)
        #expect(cache.removeIdleSessions(now: T.start + .seconds(221)) == [b])
        #expect(cache.count == 0)
        #expect(cache.evictions == 2)
        // The fetcher of an expired session learns at its next incremental request.
        #expect(T.fetch(&cache, T.request(session: a, epoch: 1, [])).context.kind == .sessionError(.fetchSessionIdNotFound))
    }

    @Test func sharedCacheUsesItsInjectedClock() {
        let clock = ManualInstantClock(T.start)
        let shared = SharedFetchSessionCache(
            configuration: FetchSessionCacheConfiguration(maxSessions: 10, evictionInterval: .seconds(120)),
            random: SeededRandom(), now: { clock.now })
        let context = shared.begin(T.request(epoch: 0, [T.topic("foo", T.partition(0))]), version: 12) { _ in nil }
        let id = shared.complete(context, responses: [T.data(hw: 1)]).sessionId
        #expect(id > 0)
        clock.advance(.seconds(60))
        let next = shared.begin(T.request(session: id, epoch: 1, []), version: 12) { _ in nil }
        #expect(shared.complete(next, responses: [T.data(hw: 1)]).responses.isEmpty)
        #expect(shared.snapshot.session(id)?.lastUsedAt == T.start + .seconds(60))
        clock.advance(.seconds(121))
        #expect(shared.removeIdleSessions() == [id])
    }

    @Test func configurationValidation() {
        #expect(throws: FetchSessionCacheConfigurationError.self) {
            try FetchSessionCacheConfiguration(maxSessions: -1).validate()
        }
        #expect(throws: FetchSessionCacheConfigurationError.self) {
            try FetchSessionCacheConfiguration(evictionInterval: .seconds(-1)).validate()
        }
        #expect(throws: Never.self) { try FetchSessionCacheConfiguration().validate() }
        #expect(FetchSessionCacheConfiguration().maxSessions == 1000)
        #expect(FetchSessionCacheConfiguration().evictionInterval == .seconds(120))
    }
}
