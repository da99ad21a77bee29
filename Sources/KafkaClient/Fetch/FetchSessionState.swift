import KafkaProtocol
import NIOCore

/// The client side of an incremental fetch session with one broker (KIP-227).
///
/// A struct that builds requests and digests responses, with no I/O. The first
/// request is full (every partition) and asks the broker for a session; later ones
/// list only partitions whose fetch offset or max bytes changed, plus the partitions
/// to forget, and the broker answers only for partitions with something to say. If
/// the broker loses the session (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH)
/// the next request is full again. Brokers before Fetch v7 get sessionless full fetches.
public struct FetchSessionState: Sendable {
    public struct Target: Hashable, Sendable {
        public var offset: Int64
        public var maxBytes: Int32
        /// The leader epoch the client believes in (KIP-320), or -1.
        public var leaderEpoch: Int32

        public init(offset: Int64, maxBytes: Int32, leaderEpoch: Int32 = -1) {
            self.offset = offset
            self.maxBytes = maxBytes
            self.leaderEpoch = leaderEpoch
        }
    }

    /// What a response said about one partition.
    public struct PartitionResult: Sendable {
        public var error: KafkaErrorCode
        public var highWatermark: Int64
        public var lastStableOffset: Int64
        public var logStartOffset: Int64
        /// Raw record batches: a slice of the response, never copied or decompressed.
        public var records: ByteBuffer
        public var abortedTransactions: [FetchResponse.AbortedTransaction]?
    }

    private let sessionless: Bool
    private var sessionID: Int32 = 0
    private var nextEpoch: Int32 = 0
    /// What the broker's session holds for each partition.
    private var inSession: [TopicPartitionID: Target] = [:]
    /// What the last request asked, until its response arrives.
    private var pending: (wanted: [TopicPartitionID: Target], full: Bool)?

    /// - Parameter sessionless: send full fetches that create no session on the broker
    ///   (epoch -1), for one-off reads such as verification.
    public init(sessionless: Bool = false) {
        self.sessionless = sessionless
    }

    /// Builds the next request for `wanted` partitions. `version` is the negotiated
    /// Fetch version (sessions need v7+).
    public mutating func makeRequest(
        wanted: [TopicPartitionID: Target], version: Int16, maxWait: Duration, minBytes: Int32, maxBytes: Int32,
        readCommitted: Bool = false
    ) -> FetchRequest {
        let sessions = version >= 7 && !sessionless
        let full = !sessions || sessionID == 0
        var included: [TopicPartitionID: Target]
        var forgotten: [TopicPartitionID] = []
        if full {
            included = wanted
        } else {
            included = wanted.filter { inSession[$0.key] != $0.value }
            forgotten = inSession.keys.filter { wanted[$0] == nil }
        }
        pending = (wanted, full)
        let epoch: Int32 = sessions ? (full ? 0 : nextEpoch) : -1
        return FetchRequest(
            replicaId: -1, maxWaitMs: Int32(clamping: maxWait.components.seconds * 1000 + maxWait.components.attoseconds / 1_000_000_000_000_000),
            minBytes: minBytes, maxBytes: maxBytes, isolationLevel: readCommitted ? 1 : 0,
            sessionId: full ? 0 : sessionID, sessionEpoch: epoch,
            topics: Dictionary(grouping: included.keys, by: \.topic).sorted { $0.key < $1.key }.map { topic, partitions in
                .init(
                    topic: topic,
                    partitions: partitions.sorted().map { id in
                        let target = included[id]!
                        return .init(
                            partition: id.partition, currentLeaderEpoch: target.leaderEpoch, fetchOffset: target.offset,
                            logStartOffset: -1, partitionMaxBytes: target.maxBytes)
                    })
            },
            forgottenTopicsData: Dictionary(grouping: forgotten, by: \.topic).sorted { $0.key < $1.key }.map {
                .init(topic: $0.key, partitions: $0.value.map(\.partition).sorted())
            },
            rackId: "")
    }

    /// Digests the response to the last request. Partitions absent from an incremental
    /// response had nothing new. A session error resets the session (the next request is
    /// full) and is returned so the caller can log it; it carries no partition results.
    public mutating func responseReceived(_ response: FetchResponse) -> (sessionError: KafkaErrorCode?, partitions: [TopicPartitionID: PartitionResult]) {
        guard let pending else { return (nil, [:]) }
        self.pending = nil
        let error = KafkaErrorCode(rawValue: response.errorCode)
        if error != .none {
            reset()
            return (error, [:])
        }
        var results: [TopicPartitionID: PartitionResult] = [:]
        for topic in response.responses {
            for partition in topic.partitions {
                results[TopicPartitionID(topic.topic, partition.partitionIndex)] = PartitionResult(
                    error: KafkaErrorCode(rawValue: partition.errorCode), highWatermark: partition.highWatermark,
                    lastStableOffset: partition.lastStableOffset, logStartOffset: partition.logStartOffset,
                    records: partition.records ?? ByteBuffer(), abortedTransactions: partition.abortedTransactions)
            }
        }
        if pending.full {
            sessionID = response.sessionId
            nextEpoch = 1
        } else {
            nextEpoch = nextEpoch == Int32.max ? 1 : nextEpoch + 1
        }
        // The broker's session now holds what we asked for.
        inSession = sessionID == 0 ? [:] : pending.wanted
        return (nil, results)
    }

    /// Forgets the session: the next request is full. Call after a connection loss.
    public mutating func reset() {
        sessionID = 0
        nextEpoch = 0
        inSession = [:]
        pending = nil
    }
}
