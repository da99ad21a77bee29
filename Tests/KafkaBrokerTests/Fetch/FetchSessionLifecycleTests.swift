import KafkaProtocol
import Testing
@testable import KafkaBroker

/// Scripts of Fetch requests through one session: create, incremental adds, updates and
/// forgets, the session errors, and the ways a session closes (KIP-227).
@Suite struct FetchSessionLifecycleTests {
    typealias T = FetchTesting

    @Test func sessionlessFullFetchCreatesNothing() {
        var cache = T.cache()
        let (context, outcome) = T.fetch(&cache, T.request(epoch: -1, [T.topic("foo", T.partition(0), T.partition(1))]))
        #expect(context.kind == .sessionless)
        #expect(context.planNames == ["foo-0@0", "foo-1@0"])
        #expect(outcome.sessionId == 0)
        #expect(outcome.errorCode == .none)
        #expect(outcome.partitionNames == ["foo-0", "foo-1"])
        #expect(cache.count == 0)
    }

    @Test func fetchBelowVersionSevenIsSessionless() {
        var cache = T.cache()
        let (context, outcome) = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))]), version: 4)
        #expect(context.kind == .sessionless)
        #expect(outcome.sessionId == 0)
        #expect(cache.count == 0)
    }

    @Test func fullScript() throws {
        var cache = T.cache()
        var now = T.start

        // 1. Epoch 0: full fetch, a session is created with both partitions, epoch 1 next.
        let (created, first) = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0, offset: 10), T.partition(1, offset: 20))]),
                                        at: now) { _ in T.data(hw: 30, bytes: 100) }
        #expect(created.kind == .full)
        #expect(first.partitionNames == ["foo-0", "foo-1"])
        let id = first.sessionId
        #expect(id > 0)
        let session = try #require(cache.session(id))
        #expect(session.epoch == 1)
        #expect(session.order == [.name("foo", partition: 0), .name("foo", partition: 1)])
        #expect(session.partitions[.name("foo", partition: 0)]?.highWatermark == 30)

        // 2. Epoch 1, adds bar-0 and moves foo-0's offset: plan = whole session, in order.
        now += .seconds(1)
        let (incremental, second) = T.fetch(
            &cache, T.request(session: id, epoch: 1, [T.topic("foo", T.partition(0, offset: 15)), T.topic("bar", T.partition(0, offset: 5))]),
            at: now) { plan in
                plan.topic == "bar" ? T.data(hw: 9, bytes: 50) : T.data(hw: 30)
            }
        #expect(incremental.kind == .incremental(sessionId: id, epoch: 1))
        #expect(incremental.planNames == ["foo-0@15", "foo-1@20", "bar-0@5"])
        #expect(second.sessionId == id)
        #expect(second.partitionNames == ["bar-0"], "foo partitions did not change")
        #expect(cache.session(id)?.epoch == 2)
        #expect(cache.session(id)?.lastUsedAt == now)

        // 3. Epoch 2 forgets foo-1: it is no longer read.
        let (forgot, _) = T.fetch(&cache, T.request(session: id, epoch: 2, [], forgotten: [T.forget("foo", 1)]), at: now)
        #expect(forgot.planNames == ["foo-0@15", "bar-0@5"])
        #expect(cache.session(id)?.count == 2)

        // 4. A replayed epoch 2: INVALID_FETCH_SESSION_EPOCH, nothing read, no session id.
        let (stale, staleOutcome) = T.fetch(&cache, T.request(session: id, epoch: 2, []), at: now)
        #expect(stale.kind == .sessionError(.invalidFetchSessionEpoch))
        #expect(stale.partitions.isEmpty)
        #expect(staleOutcome.errorCode == .invalidFetchSessionEpoch)
        #expect(staleOutcome.sessionId == 0)
        #expect(staleOutcome.responses.isEmpty)
        #expect(cache.session(id)?.epoch == 3, "a failed request does not move the epoch")

        // 5. An epoch from the future is just as wrong.
        #expect(T.fetch(&cache, T.request(session: id, epoch: 7, []), at: now).context.kind
                == .sessionError(.invalidFetchSessionEpoch))

        // 6. An unknown session id: FETCH_SESSION_ID_NOT_FOUND.
        let (unknown, unknownOutcome) = T.fetch(&cache, T.request(session: id &+ 1, epoch: 3, []), at: now)
        #expect(unknown.kind == .sessionError(.fetchSessionIdNotFound))
        #expect(unknownOutcome.errorCode == .fetchSessionIdNotFound)

        // 7. The right epoch still works after the errors.
        #expect(T.fetch(&cache, T.request(session: id, epoch: 3, []), at: now).outcome.sessionId == id)

        // 8. Epoch -1 closes the session; the request is served sessionless.
        let (closing, closed) = T.fetch(&cache, T.request(session: id, epoch: -1, [T.topic("foo", T.partition(0, offset: 15))]), at: now)
        #expect(closing.kind == .sessionless)
        #expect(closing.closedSessionId == id)
        #expect(closed.sessionId == 0)
        #expect(closed.partitionNames == ["foo-0"])
        #expect(cache.session(id) == nil)
        #expect(T.fetch(&cache, T.request(session: id, epoch: 4, []), at: now).context.kind
                == .sessionError(.fetchSessionIdNotFound))
    }

    @Test func fullFetchWithEpochZeroReplacesTheSessionItNames() {
        var cache = T.cache()
        let old = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))])).outcome.sessionId
        let (context, outcome) = T.fetch(&cache, T.request(session: old, epoch: 0, [T.topic("bar", T.partition(0))]))
        #expect(context.kind == .full)
        #expect(context.closedSessionId == old)
        #expect(outcome.sessionId != old)
        #expect(outcome.sessionId > 0)
        #expect(cache.session(old) == nil)
        #expect(cache.count == 1)
    }

    @Test func fullFetchNamingAnUnknownSessionIsNoError() {
        // The Java client's reconnect path: INITIAL_EPOCH with the id it lost.
        var cache = T.cache()
        let (context, outcome) = T.fetch(&cache, T.request(session: 12345, epoch: 0, [T.topic("foo", T.partition(0))]))
        #expect(context.kind == .full)
        #expect(context.closedSessionId == nil)
        #expect(outcome.errorCode == .none)
        #expect(outcome.sessionId > 0)
    }

    @Test func incrementalWithSessionIdZeroIsNotFound() {
        var cache = T.cache()
        #expect(T.fetch(&cache, T.request(session: 0, epoch: 1, [T.topic("foo", T.partition(0))])).context.kind
                == .sessionError(.fetchSessionIdNotFound))
    }

    @Test func forgettingEveryPartitionClosesTheSession() {
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0), T.partition(1))])).outcome.sessionId
        let (context, outcome) = T.fetch(&cache, T.request(session: id, epoch: 1, [], forgotten: [T.forget("foo", 0, 1)]))
        #expect(context.kind == .sessionless)
        #expect(context.partitions.isEmpty)
        #expect(outcome.sessionId == 0)
        #expect(cache.session(id) == nil)
    }

    @Test func addAndForgetInOneRequestForgets() {
        // Kafka applies the request's partitions first and the forgotten ones after.
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))])).outcome.sessionId
        let (context, _) = T.fetch(&cache, T.request(session: id, epoch: 1, [T.topic("foo", T.partition(1))],
                                                     forgotten: [T.forget("foo", 1)]))
        #expect(context.planNames == ["foo-0@0"])
    }

    @Test func forgettingAnUnknownPartitionIsIgnored() {
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))])).outcome.sessionId
        let (context, _) = T.fetch(&cache, T.request(session: id, epoch: 1, [], forgotten: [T.forget("nope", 3)]))
        #expect(context.planNames == ["foo-0@0"])
    }

    @Test func incrementalUpdatesCachedParameters() throws {
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0, offset: 1, maxBytes: 100))])).outcome.sessionId
        var changed = T.partition(0, offset: 42, maxBytes: 500)
        changed.currentLeaderEpoch = 3
        changed.lastFetchedEpoch = 2
        changed.logStartOffset = 7
        let (context, _) = T.fetch(&cache, T.request(session: id, epoch: 1, [T.topic("foo", changed)]))
        let plan = try #require(context.partitions.first)
        #expect(plan.fetchOffset == 42)
        #expect(plan.maxBytes == 500)
        #expect(plan.currentLeaderEpoch == 3)
        #expect(plan.lastFetchedEpoch == 2)
        #expect(plan.logStartOffset == 7)
        // An incremental request that names nothing reads with the cached parameters.
        let (next, _) = T.fetch(&cache, T.request(session: id, epoch: 2, []))
        #expect(next.partitions.first?.fetchOffset == 42)
        #expect(next.partitions.first?.maxBytes == 500)
    }

    @Test func duplicatePartitionInARequestKeepsFirstPositionAndLastValues() {
        var cache = T.cache()
        let (context, _) = T.fetch(&cache, T.request(epoch: 0, [
            T.topic("foo", T.partition(0, offset: 1), T.partition(1, offset: 1)),
            T.topic("foo", T.partition(0, offset: 9)),
        ]))
        #expect(context.planNames == ["foo-0@9", "foo-1@1"])
        #expect(cache.sessions.values.first?.count == 2)
    }

    @Test func epochWrapsFromMaxToOne() throws {
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))])).outcome.sessionId
        cache.sessions[id]!.epoch = Int32.max
        #expect(T.fetch(&cache, T.request(session: id, epoch: Int32.max, [])).outcome.sessionId == id)
        #expect(cache.session(id)?.epoch == 1)
        #expect(T.fetch(&cache, T.request(session: id, epoch: 1, [])).outcome.errorCode == .none)
    }

    @Test func concurrentRequestInTheSameSessionMakesTheSlowerOneStale() {
        // Request A begins and waits (long poll); its retry B begins and completes; A's
        // completion then sees the epoch moved on: INVALID_FETCH_SESSION_EPOCH with the id.
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))])).outcome.sessionId
        let contextA = cache.begin(T.request(session: id, epoch: 1, []), version: 12, now: T.start, topicName: T.lookUp)
        let contextB = cache.begin(T.request(session: id, epoch: 2, []), version: 12, now: T.start, topicName: T.lookUp)
        let outcomeB = cache.complete(contextB, responses: [T.data(hw: 5)], now: T.start)
        #expect(outcomeB.errorCode == .none)
        #expect(outcomeB.partitionNames == ["foo-0"])
        let outcomeA = cache.complete(contextA, responses: [T.data(hw: 5)], now: T.start)
        #expect(outcomeA.errorCode == .invalidFetchSessionEpoch)
        #expect(outcomeA.sessionId == id)
        #expect(outcomeA.responses.isEmpty)
    }

    @Test func sessionRemovedWhileReadingAnswersNotFound() {
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))])).outcome.sessionId
        let context = cache.begin(T.request(session: id, epoch: 1, []), version: 12, now: T.start, topicName: T.lookUp)
        _ = cache.begin(T.request(session: id, epoch: -1, []), version: 12, now: T.start, topicName: T.lookUp)
        let outcome = cache.complete(context, responses: [T.data(hw: 5)], now: T.start)
        #expect(outcome.errorCode == .fetchSessionIdNotFound)
        #expect(outcome.sessionId == 0)
    }

    @Test func sessionIdsArePositiveAndDistinct() {
        var cache = T.cache()
        var ids = Set<Int32>()
        for _ in 0..<200 {
            let id = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))])).outcome.sessionId
            #expect(id > 0)
            ids.insert(id)
        }
        #expect(ids.count == 200)
        #expect(cache.count == 200)
    }

    @Test func followerRequestsCreatePrivilegedSessions() {
        var cache = T.cache()
        let consumer = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))])).outcome.sessionId
        let follower = T.fetch(&cache, T.request(epoch: 0, replicaId: 2, [T.topic("foo", T.partition(0))])).outcome.sessionId
        #expect(cache.session(consumer)?.isPrivileged == false)
        #expect(cache.session(follower)?.isPrivileged == true)
    }
}
