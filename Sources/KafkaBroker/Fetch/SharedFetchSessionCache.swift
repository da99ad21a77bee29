import KafkaProtocol
import NIOConcurrencyHelpers

/// The broker's one ``FetchSessionCache``, behind a lock, with the clock injected: what
/// the Fetch handler calls.
///
/// A class behind a lock, not an actor: Fetch requests from every connection, on every
/// event loop, share the sessions, and each call is a short synchronous step (work in
/// proportion to the partitions of one request or session; the eviction scan only when
/// the cache is full). A lock costs no hop off the event loop; an actor would cost two
/// per request. The state machine itself stays a pure struct, tested without the lock.
///
/// How a Fetch handler uses it, with ``FetchWaiters`` for long polling:
///
/// ```swift
/// let context = sessions.begin(request, version: version, topicName: metadata.topicName(for:))
/// if context.sessionError != nil {                     // 70, 71 or 106: answer at once
///     return sessions.complete(context, responses: []).fetchResponse()
/// }
/// let deadline = ContinuousClock.now + .milliseconds(Int(request.maxWaitMs))
/// var mark = waiters.mark()                            // before every read
/// var responses = read(context.partitions)             // UNKNOWN_TOPIC_ID where plan.topic == nil
/// while bytes(responses) < request.minBytes, request.maxWaitMs > 0, !context.partitions.isEmpty {
///     let reason = await waiters.wait(for: context.watchedPartitions, until: deadline, since: mark)
///     mark = waiters.mark()
///     responses = read(context.partitions)             // Kafka reads again on expiry too
///     if reason != .notified { break }
/// }
/// return sessions.complete(context, responses: responses).fetchResponse()
/// ```
/// ```
public final class SharedFetchSessionCache: Sendable {
    private let state: NIOLockedValueBox<FetchSessionCache>
    private let now: @Sendable () -> ContinuousClock.Instant

    /// - Parameters:
    ///   - now: the time; tests pass a clock they move by hand.
    public init(
        configuration: FetchSessionCacheConfiguration = FetchSessionCacheConfiguration(),
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.state = NIOLockedValueBox(FetchSessionCache(configuration: configuration, random: random))
        self.now = now
    }

    /// See ``FetchSessionCache/begin(_:version:now:topicName:)``. `topicName` runs under
    /// the lock.
    public func begin(
        _ request: FetchRequest, version: Int16, topicName: (KafkaUUID) -> String?
    ) -> FetchSessionContext {
        let now = now()
        return state.withLockedValue { $0.begin(request, version: version, now: now, topicName: topicName) }
    }

    /// See ``FetchSessionCache/complete(_:responses:now:)``.
    public func complete(_ context: FetchSessionContext, responses: [FetchResponse.PartitionData]) -> FetchSessionOutcome {
        let now = now()
        return state.withLockedValue { $0.complete(context, responses: responses, now: now) }
    }

    /// See ``FetchSessionCache/removeIdleSessions(now:)``; for a periodic broker task.
    @discardableResult
    public func removeIdleSessions() -> [Int32] {
        let now = now()
        return state.withLockedValue { $0.removeIdleSessions(now: now) }
    }

    /// A copy of the state, for metrics and tests.
    public var snapshot: FetchSessionCache { state.withLockedValue { $0 } }
}
