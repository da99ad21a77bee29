import KafkaProtocol

/// The broker's incremental fetch sessions (KIP-227; Kafka's `FetchManager` and
/// `FetchSessionCache`), as a pure state machine: no clock, no lock, no I/O. The caller
/// passes the time in and keeps the value behind a lock; ``SharedFetchSessionCache`` does
/// that for the Fetch handler.
///
/// A Fetch request goes through it twice:
///
/// 1. ``begin(_:version:now:topicName:)`` reads the session fields and returns a
///    ``FetchSessionContext``: a session error to answer at once, or the partitions to
///    read. Sessions named by full requests are closed here, incremental requests update
///    their session and advance its epoch here.
/// 2. After the handler read the partitions (and long-polled, if it did),
///    ``complete(_:responses:now:)`` takes one `PartitionData` per planned partition and
///    returns the response: every partition for a full fetch (creating the session for
///    epoch 0), only the changed ones for an incremental fetch.
///
/// Why two steps: the handler may wait up to `maxWaitMs` between them, and another
/// request in the same session (a retry) may run meanwhile. ``complete(_:responses:now:)``
/// then sees the session's epoch moved and answers INVALID_FETCH_SESSION_EPOCH, as Kafka's
/// `IncrementalFetchContext.updateAndGenerateResponseData` does.
public struct FetchSessionCache: Sendable {
    public let configuration: FetchSessionCacheConfiguration
    /// The live sessions by id.
    public internal(set) var sessions: [Int32: FetchSession] = [:]
    /// How many sessions were displaced or expired so far (Kafka's
    /// `IncrementalFetchSessionEvictionsPerSec` counts the same events).
    public internal(set) var evictions = 0
    /// Where session ids come from; injected so tests can predict them.
    var random: any RandomNumberGenerator & Sendable

    public init(
        configuration: FetchSessionCacheConfiguration = FetchSessionCacheConfiguration(),
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        self.configuration = configuration
        self.random = random
    }

    /// Decides how to serve `request` (decoded at `version`).
    ///
    /// - Parameter topicName: the broker's topic id → name lookup, used from v13 on. An id
    ///   it does not know leaves the partition's ``FetchPartitionPlan/topic`` `nil`; the
    ///   handler answers it UNKNOWN_TOPIC_ID. Called with the caller's lock held: it must
    ///   not call back into the cache.
    public mutating func begin(
        _ request: FetchRequest, version: Int16, now: ContinuousClock.Instant,
        topicName: (KafkaUUID) -> String?
    ) -> FetchSessionContext {
        let metadata = FetchSessionMetadata(request, version: version)
        let follower = Self.isFromFollower(request, version: version)
        let requested = Self.requestedPartitions(request, version: version, topicName: topicName)

        if metadata.isFull {
            // KIP-227: a full request closes whatever session it names, whether it then
            // asks for a new one (epoch 0) or not (epoch -1). An unknown id is no error:
            // it is how the Java client re-creates a session after losing its old one.
            var closed: Int32?
            if metadata.sessionId != FetchSessionMetadata.invalidSessionId,
               sessions.removeValue(forKey: metadata.sessionId) != nil {
                closed = metadata.sessionId
            }
            let kind: FetchSessionContext.Kind = metadata.epoch == FetchSessionMetadata.finalEpoch ? .sessionless : .full
            return FetchSessionContext(kind: kind, version: version, partitions: requested.plans,
                                       closedSessionId: closed, isFromFollower: follower)
        }

        guard var session = sessions[metadata.sessionId] else {
            return FetchSessionContext(kind: .sessionError(.fetchSessionIdNotFound), version: version,
                                       isFromFollower: follower)
        }
        guard session.epoch == metadata.epoch else {
            return FetchSessionContext(kind: .sessionError(.invalidFetchSessionEpoch), version: version,
                                       isFromFollower: follower)
        }
        // KIP-516: a session created with topic ids (v13+) cannot continue with names, nor
        // the reverse, because its partitions are keyed by the form it started with.
        guard session.usesTopicIds == (version >= 13) else {
            return FetchSessionContext(kind: .sessionError(.fetchSessionTopicIdError), version: version,
                                       isFromFollower: follower)
        }

        session.update(with: requested.entries,
                       forgetting: Self.forgottenPartitions(request, version: version))
        if session.isEmpty {
            // Forgetting every partition closes the session; the request is then answered
            // like a sessionless one with the partitions it named (Kafka does the same).
            sessions[session.id] = nil
            return FetchSessionContext(kind: .sessionless, version: version, partitions: requested.plans,
                                       closedSessionId: session.id, isFromFollower: follower)
        }
        session.lastUsedAt = now
        session.epoch = FetchSessionMetadata.nextEpoch(after: session.epoch)
        session.resolveUnknownTopics(topicName)
        sessions[session.id] = session
        return FetchSessionContext(kind: .incremental(sessionId: session.id, epoch: metadata.epoch),
                                   version: version, partitions: session.plans(), isFromFollower: follower)
    }

    /// Builds the response to a request begun with `context`, from `responses`: one
    /// `PartitionData` per entry of ``FetchSessionContext/partitions``, in that order
    /// (records read, high watermark, log start offset, error). Creates the session of a
    /// full fetch with epoch 0, and updates the session of an incremental one.
    public mutating func complete(
        _ context: FetchSessionContext, responses: [FetchResponse.PartitionData], now: ContinuousClock.Instant
    ) -> FetchSessionOutcome {
        precondition(responses.count == context.partitions.count,
                     "one response per planned partition: \(responses.count) for \(context.partitions.count)")
        let plans = context.partitions
        switch context.kind {
        case .sessionError(let error):
            return FetchSessionOutcome(errorCode: error, sessionId: FetchSessionMetadata.invalidSessionId, responses: [])

        case .sessionless:
            return FetchSessionOutcome(errorCode: .none, sessionId: FetchSessionMetadata.invalidSessionId,
                                       responses: FetchSessionOutcome.group(plans, responses, included: plans.indices))

        case .full:
            let sessionId = createSession(
                privileged: context.isFromFollower, usesTopicIds: context.version >= 13, now: now,
                partitions: zip(plans, responses).map { ($0.key, CachedFetchPartition(plan: $0, response: $1)) })
            return FetchSessionOutcome(errorCode: .none, sessionId: sessionId,
                                       responses: FetchSessionOutcome.group(plans, responses, included: plans.indices))

        case .incremental(let sessionId, let requestEpoch):
            guard var session = sessions[sessionId] else {
                // Displaced while the handler read or waited. The fetcher will start over.
                return FetchSessionOutcome(errorCode: .fetchSessionIdNotFound,
                                           sessionId: FetchSessionMetadata.invalidSessionId, responses: [])
            }
            guard session.epoch == FetchSessionMetadata.nextEpoch(after: requestEpoch) else {
                // Another request of this session began after this one: this one is a
                // duplicate, and its view of the session is stale.
                return FetchSessionOutcome(errorCode: .invalidFetchSessionEpoch, sessionId: sessionId, responses: [])
            }
            let included = session.filter(plans, responses)
            sessions[sessionId] = session
            return FetchSessionOutcome(errorCode: .none, sessionId: sessionId,
                                       responses: FetchSessionOutcome.group(plans, responses, included: included))
        }
    }

    /// The session with `id`, if live.
    public func session(_ id: Int32) -> FetchSession? { sessions[id] }

    /// The number of live sessions.
    public var count: Int { sessions.count }
}
