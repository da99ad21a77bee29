import KafkaProtocol
import Testing
@testable import KafkaBroker

/// Fetch v13+ names topics by id (KIP-516): sessions keyed by id, unknown ids, and
/// requests whose id usage does not match their session.
@Suite struct FetchSessionTopicIdTests {
    typealias T = FetchTesting
    static let ghostId = KafkaUUID(high: 0xDEAD, low: 0xBEEF)

    @Test func v13SessionIsKeyedByIdAndResolvesNames() throws {
        var cache = T.cache()
        let (context, outcome) = T.fetch(&cache, T.request(epoch: 0, [T.topic(id: T.fooId, T.partition(0))]), version: 13)
        let plan = try #require(context.partitions.first)
        #expect(plan.key == .id(T.fooId, partition: 0))
        #expect(plan.topic == "foo")
        #expect(plan.topicPartition == TopicPartition(topic: "foo", partition: 0))
        #expect(plan.unresolvedError == nil)
        #expect(cache.session(outcome.sessionId)?.usesTopicIds == true)
        // The response names the topic by id.
        #expect(outcome.responses.first?.topicId == T.fooId)
    }

    @Test func unknownTopicIdIsAnsweredUnknownTopicIdPerPartition() throws {
        var cache = T.cache()
        let (context, outcome) = T.fetch(&cache, T.request(epoch: -1, [
            T.topic(id: T.fooId, T.partition(0)), T.topic(id: Self.ghostId, T.partition(0), T.partition(1)),
        ]), version: 13) { _ in T.data(hw: 3) }
        #expect(context.partitions.map(\.unresolvedError) == [nil, .unknownTopicId, .unknownTopicId])
        #expect(context.watchedPartitions == [TopicPartition(topic: "foo", partition: 0)])
        #expect(outcome.errorCode == .none)
        #expect(outcome.responses.map(\.topicId) == [T.fooId, Self.ghostId])
        #expect(outcome.responses[1].partitions.map(\.errorCode) == [100, 100])
    }

    @Test func zeroTopicIdIsUnknown() {
        var cache = T.cache()
        let (context, _) = T.fetch(&cache, T.request(epoch: -1, [T.topic(id: .zero, T.partition(0))]),
                                   version: 13, names: [.zero: "oops"])
        #expect(context.partitions.first?.unresolvedError == .unknownTopicId)
    }

    @Test func unknownIdStaysInSessionAndResolvesOnceTheTopicExists() {
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic(id: Self.ghostId, T.partition(0))]), version: 13).outcome.sessionId
        #expect(id > 0)
        // Still unknown: sent again with its error.
        let (unresolved, errorAgain) = T.fetch(&cache, T.request(session: id, epoch: 1, []), version: 13)
        #expect(unresolved.partitions.first?.topic == nil)
        #expect(errorAgain.responses.first?.partitions.first?.errorCode == KafkaErrorCode.unknownTopicId.rawValue)
        // The topic is created: the session's partition now reads as "ghost-0".
        var names = T.topicNames
        names[Self.ghostId] = "ghost"
        let (resolved, outcome) = T.fetch(&cache, T.request(session: id, epoch: 2, []), version: 13, names: names) { _ in
            T.data(hw: 0)
        }
        #expect(resolved.partitions.first?.topicPartition == TopicPartition(topic: "ghost", partition: 0))
        #expect(outcome.partitionNames == ["ghost-0"], "sent: the error cleared, so the cached high watermark was -1")
    }

    @Test func recreatedTopicWithANewIdIsADifferentPartition() {
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic(id: T.fooId, T.partition(0))]), version: 13).outcome.sessionId
        let newFoo = KafkaUUID(high: 0x3333, low: 3)
        let (context, _) = T.fetch(&cache, T.request(session: id, epoch: 1, [T.topic(id: newFoo, T.partition(0))]),
                                   version: 13, names: [newFoo: "foo"])
        #expect(context.partitions.map(\.key) == [.id(T.fooId, partition: 0), .id(newFoo, partition: 0)])
    }

    @Test func forgetByTopicId() {
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic(id: T.fooId, T.partition(0), T.partition(1)),
                                                      T.topic(id: T.barId, T.partition(0))]), version: 13).outcome.sessionId
        let (context, _) = T.fetch(&cache, T.request(session: id, epoch: 1, [], forgotten: [T.forget(id: T.fooId, 1)]),
                                   version: 13)
        #expect(context.planNames == ["foo-0@0", "bar-0@0"])
    }

    @Test func namedSessionContinuedWithIdsIsATopicIdError() {
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))]), version: 12).outcome.sessionId
        let (context, outcome) = T.fetch(&cache, T.request(session: id, epoch: 1, []), version: 13)
        #expect(context.kind == .sessionError(.fetchSessionTopicIdError))
        #expect(outcome.errorCode == .fetchSessionTopicIdError)
        #expect(outcome.sessionId == 0)
        #expect(cache.session(id)?.epoch == 1, "the session is kept, unchanged")
    }

    @Test func idSessionContinuedWithNamesIsATopicIdError() {
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic(id: T.fooId, T.partition(0))]), version: 13).outcome.sessionId
        #expect(T.fetch(&cache, T.request(session: id, epoch: 1, []), version: 12).context.kind
                == .sessionError(.fetchSessionTopicIdError))
    }

    @Test func epochIsCheckedBeforeTopicIdUsage() {
        // Kafka's order: unknown id, then epoch, then topic-id usage.
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))]), version: 12).outcome.sessionId
        #expect(T.fetch(&cache, T.request(session: id, epoch: 5, []), version: 13).context.kind
                == .sessionError(.invalidFetchSessionEpoch))
    }

    @Test func fullFetchMaySwitchIdUsage() {
        // A full request starts over, so it may change version freely.
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0))]), version: 12).outcome.sessionId
        let outcome = T.fetch(&cache, T.request(session: id, epoch: 0, [T.topic(id: T.fooId, T.partition(0))]), version: 13).outcome
        #expect(outcome.errorCode == .none)
        #expect(cache.session(outcome.sessionId)?.usesTopicIds == true)
    }
}
