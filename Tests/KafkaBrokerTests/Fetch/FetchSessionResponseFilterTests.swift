import KafkaProtocol
import Testing
@testable import KafkaBroker

/// Which partitions an incremental response carries (Kafka's
/// `CachedPartition.maybeUpdateResponseData`), and the read order it leaves behind.
@Suite struct FetchSessionResponseFilterTests {
    typealias T = FetchTesting

    /// A session on foo-0, foo-1, foo-2, all answered once with hw 10, log start 0.
    private func session() -> (FetchSessionCache, Int32) {
        var cache = T.cache()
        let id = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0), T.partition(1), T.partition(2))])) { _ in
            T.data(hw: 10)
        }.outcome.sessionId
        return (cache, id)
    }

    private func incremental(
        _ cache: inout FetchSessionCache, _ id: Int32, epoch: Int32,
        _ topics: [FetchRequest.FetchTopic] = [], read: (FetchPartitionPlan) -> FetchResponse.PartitionData
    ) -> FetchSessionOutcome {
        T.fetch(&cache, T.request(session: id, epoch: epoch, topics), read: read).outcome
    }

    @Test func fullFetchReturnsEveryPartitionEvenUnchanged() {
        var cache = T.cache()
        let outcome = T.fetch(&cache, T.request(epoch: 0, [T.topic("foo", T.partition(0), T.partition(1))])) { _ in
            T.data(hw: 0)
        }.outcome
        #expect(outcome.partitionNames == ["foo-0", "foo-1"])
    }

    @Test func unchangedPartitionsAreOmitted() {
        var (cache, id) = session()
        let outcome = incremental(&cache, id, epoch: 1) { _ in T.data(hw: 10) }
        #expect(outcome.errorCode == .none)
        #expect(outcome.sessionId == id)
        #expect(outcome.responses.isEmpty)
    }

    @Test func changedHighWatermarkIsIncludedOnceThenOmitted() {
        var (cache, id) = session()
        let moved = incremental(&cache, id, epoch: 1) { $0.partition == 1 ? T.data(hw: 11) : T.data(hw: 10) }
        #expect(moved.partitionNames == ["foo-1"])
        #expect(moved.responses.first?.partitions.first?.highWatermark == 11)
        #expect(cache.session(id)?.partitions[.name("foo", partition: 1)]?.highWatermark == 11)
        let again = incremental(&cache, id, epoch: 2) { $0.partition == 1 ? T.data(hw: 11) : T.data(hw: 10) }
        #expect(again.responses.isEmpty)
    }

    @Test func changedLogStartOffsetIsIncluded() {
        var (cache, id) = session()
        let outcome = incremental(&cache, id, epoch: 1) { $0.partition == 2 ? T.data(hw: 10, logStart: 4) : T.data(hw: 10) }
        #expect(outcome.partitionNames == ["foo-2"])
        #expect(cache.session(id)?.partitions[.name("foo", partition: 2)]?.localLogStartOffset == 4)
    }

    @Test func newDataIsIncludedEvenWithTheSameHighWatermark() {
        var (cache, id) = session()
        let outcome = incremental(&cache, id, epoch: 1) { $0.partition == 0 ? T.data(hw: 10, bytes: 64) : T.data(hw: 10) }
        #expect(outcome.partitionNames == ["foo-0"])
        #expect(outcome.responses.first?.partitions.first?.records?.readableBytes == 64)
    }

    @Test func errorsAreIncludedAndResentWhenTheyClear() {
        var (cache, id) = session()
        let failing = incremental(&cache, id, epoch: 1) {
            $0.partition == 0 ? T.data(hw: 10, error: .notLeaderOrFollower) : T.data(hw: 10)
        }
        #expect(failing.partitionNames == ["foo-0"])
        #expect(failing.responses.first?.partitions.first?.errorCode == KafkaErrorCode.notLeaderOrFollower.rawValue)
        // The same error again is sent again.
        let stillFailing = incremental(&cache, id, epoch: 2) {
            $0.partition == 0 ? T.data(hw: 10, error: .notLeaderOrFollower) : T.data(hw: 10)
        }
        #expect(stillFailing.partitionNames == ["foo-0"])
        // Cleared, with the same high watermark as before the error: still sent, because
        // the error reset the cached high watermark to -1.
        let cleared = incremental(&cache, id, epoch: 3) { _ in T.data(hw: 10) }
        #expect(cleared.partitionNames == ["foo-0"])
        #expect(incremental(&cache, id, epoch: 4) { _ in T.data(hw: 10) }.responses.isEmpty)
    }

    @Test func preferredReplicaAndDivergingEpochAreIncluded() {
        var (cache, id) = session()
        let outcome = incremental(&cache, id, epoch: 1) { plan in
            switch plan.partition {
            case 0: T.data(hw: 10, preferredReadReplica: 3)
            case 1: T.data(hw: 10, divergingEpoch: 2)
            default: T.data(hw: 10)
            }
        }
        #expect(outcome.partitionNames == ["foo-0", "foo-1"])
    }

    @Test func addedPartitionIsAlwaysSentFirstTime() {
        var (cache, id) = session()
        let outcome = incremental(&cache, id, epoch: 1, [T.topic("bar", T.partition(0))]) { _ in T.data(hw: 10) }
        #expect(outcome.partitionNames == ["bar-0"])
    }

    @Test func changedFetchOffsetAloneIsOmittedAsInKafka() {
        // A seek moves the fetch offset; with no records there and no other change Kafka
        // leaves the partition out, and the fetcher keeps its new position.
        var (cache, id) = session()
        let outcome = incremental(&cache, id, epoch: 1, [T.topic("foo", T.partition(1, offset: 10))]) { _ in T.data(hw: 10) }
        #expect(outcome.responses.isEmpty)
        #expect(cache.session(id)?.partitions[.name("foo", partition: 1)]?.fetchOffset == 10)
    }

    @Test func partitionsWithRecordsMoveToTheEndOfTheReadOrder() {
        var (cache, id) = session()
        _ = incremental(&cache, id, epoch: 1) { $0.partition == 0 ? T.data(hw: 11, bytes: 10) : T.data(hw: 10) }
        #expect(cache.session(id)?.order.map(\.partition) == [1, 2, 0])
        let (context, _) = T.fetch(&cache, T.request(session: id, epoch: 2, [])) { _ in T.data(hw: 11) }
        #expect(context.partitions.map(\.partition) == [1, 2, 0])
    }

    @Test func responsesGroupConsecutivePartitionsOfATopic() {
        var cache = T.cache()
        let outcome = T.fetch(&cache, T.request(epoch: -1, [
            T.topic("foo", T.partition(0), T.partition(1)), T.topic("bar", T.partition(0)), T.topic("foo", T.partition(2)),
        ])).outcome
        #expect(outcome.responses.map(\.topic) == ["foo", "bar", "foo"])
        #expect(outcome.responses.map { $0.partitions.map(\.partitionIndex) } == [[0, 1], [0], [2]])
        #expect(outcome.fetchResponse().sessionId == 0)
    }
}
