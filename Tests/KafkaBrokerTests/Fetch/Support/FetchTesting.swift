import KafkaProtocol
import NIOCore
@testable import KafkaBroker

/// A deterministic generator (SplitMix64), so session ids are the same on every run.
struct SeededRandom: RandomNumberGenerator, Sendable {
    var state: UInt64

    init(seed: UInt64 = 42) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builders for Fetch requests and per-partition results, and a driver that runs one
/// request through ``FetchSessionCache`` the way the handler will.
enum FetchTesting {
    /// A fixed origin; tests move time by adding durations to it, never by sleeping.
    static let start = ContinuousClock.now

    static let fooId = KafkaUUID(high: 0x1111, low: 0x1)
    static let barId = KafkaUUID(high: 0x2222, low: 0x2)
    static let topicNames: [KafkaUUID: String] = [fooId: "foo", barId: "bar"]

    static func cache(maxSessions: Int = 1000, evictionSeconds: Int64 = 120) -> FetchSessionCache {
        FetchSessionCache(
            configuration: FetchSessionCacheConfiguration(maxSessions: maxSessions,
                                                          evictionInterval: .seconds(evictionSeconds)),
            random: SeededRandom())
    }

    static func partition(_ index: Int32, offset: Int64 = 0, maxBytes: Int32 = 1_048_576) -> FetchRequest.FetchPartition {
        FetchRequest.FetchPartition(partition: index, fetchOffset: offset, partitionMaxBytes: maxBytes)
    }

    static func topic(_ name: String, _ partitions: FetchRequest.FetchPartition...) -> FetchRequest.FetchTopic {
        FetchRequest.FetchTopic(topic: name, partitions: partitions)
    }

    static func topic(id: KafkaUUID, _ partitions: FetchRequest.FetchPartition...) -> FetchRequest.FetchTopic {
        FetchRequest.FetchTopic(topicId: id, partitions: partitions)
    }

    static func forget(_ name: String, _ partitions: Int32...) -> FetchRequest.ForgottenTopic {
        FetchRequest.ForgottenTopic(topic: name, partitions: partitions)
    }

    static func forget(id: KafkaUUID, _ partitions: Int32...) -> FetchRequest.ForgottenTopic {
        FetchRequest.ForgottenTopic(topicId: id, partitions: partitions)
    }

    static func request(
        session: Int32 = 0, epoch: Int32 = -1, replicaId: Int32 = -1,
        _ topics: [FetchRequest.FetchTopic], forgotten: [FetchRequest.ForgottenTopic] = []
    ) -> FetchRequest {
        FetchRequest(replicaId: replicaId, sessionId: session, sessionEpoch: epoch,
                     topics: topics, forgottenTopicsData: forgotten)
    }

    /// One partition's read result.
    static func data(
        hw: Int64, logStart: Int64 = 0, bytes: Int = 0, error: KafkaErrorCode = .none,
        preferredReadReplica: Int32 = -1, divergingEpoch: Int32 = -1
    ) -> FetchResponse.PartitionData {
        var records = ByteBuffer()
        records.writeRepeatingByte(0xAB, count: bytes)
        return FetchResponse.PartitionData(
            errorCode: error.rawValue, highWatermark: hw, logStartOffset: logStart,
            divergingEpoch: FetchResponse.EpochEndOffset(epoch: divergingEpoch, endOffset: divergingEpoch >= 0 ? 10 : -1),
            preferredReadReplica: preferredReadReplica, records: records)
    }

    static func lookUp(_ id: KafkaUUID) -> String? { topicNames[id] }

    /// Runs `request` through the cache: begin, "read" each planned partition with
    /// `read` (unknown topic ids answered UNKNOWN_TOPIC_ID as the handler will), complete.
    @discardableResult
    static func fetch(
        _ cache: inout FetchSessionCache, _ request: FetchRequest, version: Int16 = 12,
        at now: ContinuousClock.Instant = start,
        names: [KafkaUUID: String] = topicNames,
        read: (FetchPartitionPlan) -> FetchResponse.PartitionData = { _ in data(hw: 0) }
    ) -> (context: FetchSessionContext, outcome: FetchSessionOutcome) {
        let context = cache.begin(request, version: version, now: now, topicName: { names[$0] })
        let responses = context.partitions.map { plan in
            plan.unresolvedError.map { data(hw: -1, logStart: -1, error: $0) } ?? read(plan)
        }
        return (context, cache.complete(context, responses: responses, now: now))
    }
}

extension FetchSessionOutcome {
    /// The partitions in the response as "topic-partition", topics named by name, or by
    /// id when the name is empty.
    var partitionNames: [String] {
        responses.flatMap { topic in
            topic.partitions.map { "\(topic.topic.isEmpty ? topic.topicId.description : topic.topic)-\($0.partitionIndex)" }
        }
    }
}

extension FetchSessionContext {
    /// The planned partitions as "topic-partition@offset".
    var planNames: [String] { partitions.map(\.description) }
}
