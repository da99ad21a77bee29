import KafkaProtocol

/// What ``FetchSessionCache/begin(_:version:now:topicName:)`` decided about one Fetch
/// request (Kafka's `FetchContext`): which partitions to read and how the response will
/// be built. Hand it back to ``FetchSessionCache/complete(_:responses:now:)`` with what
/// was read.
public struct FetchSessionContext: Sendable {
    /// The kind of fetch.
    public enum Kind: Hashable, Sendable {
        /// The request failed at session level (FETCH_SESSION_ID_NOT_FOUND,
        /// INVALID_FETCH_SESSION_EPOCH, FETCH_SESSION_TOPIC_ID_ERROR): read nothing, do not
        /// wait, answer with this top-level error, session id 0 and no partitions.
        case sessionError(KafkaErrorCode)
        /// A full fetch with no session: epoch -1, every request below v7, and an
        /// incremental request that forgot the last partitions of its session (which is
        /// then closed). The response carries every partition, session id 0.
        case sessionless
        /// A full fetch with epoch 0: the response carries every partition, and a session
        /// is created for them when the response is built, if the cache has room.
        case full
        /// An incremental fetch in session `sessionId`: the response carries only the
        /// partitions that changed. `epoch` is the epoch the request carried.
        case incremental(sessionId: Int32, epoch: Int32)
    }

    public let kind: Kind
    /// The request version the response will be encoded with.
    public let version: Int16
    /// The partitions to read, in the order to read them. Empty for a session error.
    public let partitions: [FetchPartitionPlan]
    /// The session a full request named, closed by this request (KIP-227: every full
    /// request closes the session it names), or `nil`.
    public let closedSessionId: Int32?
    /// The request came from a follower (replica id >= 0).
    public let isFromFollower: Bool

    init(
        kind: Kind, version: Int16, partitions: [FetchPartitionPlan] = [],
        closedSessionId: Int32? = nil, isFromFollower: Bool = false
    ) {
        self.kind = kind
        self.version = version
        self.partitions = partitions
        self.closedSessionId = closedSessionId
        self.isFromFollower = isFromFollower
    }

    /// The top-level error, if the request failed at session level.
    public var sessionError: KafkaErrorCode? {
        if case .sessionError(let error) = kind { return error }
        return nil
    }

    /// The partitions a long poll waits on: those that exist.
    public var watchedPartitions: Set<TopicPartition> {
        Set(partitions.compactMap(\.topicPartition))
    }
}
