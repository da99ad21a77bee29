import Foundation
import KafkaProtocol
import Logging
import NIOCore
import Testing
@testable import KafkaBroker

/// The transaction request handlers over a `BrokerCore` in a temporary directory, called
/// as the router calls them: a transactional session, its markers, then Fetch and
/// ListOffsets with isolation level read_committed.
@Suite struct TransactionRequestsTests {
    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        let core: BrokerCore
        let router: RequestRouter

        init() throws {
            directory = try TemporaryDirectory()
            var configuration = BrokerConfiguration(dataDirectory: directory.path)
            configuration.groups.coordinatorUnavailableOnFirstLookup = false
            var logger = Logger(label: "test")
            logger.logLevel = .warning
            core = try BrokerCore(configuration: configuration, logger: logger)
            core.setEndpoint(node: 1, listener: "PLAINTEXT", host: "127.0.0.1", port: 9092)
            router = RequestRouter(core: core)
            try core.createTopic(name: "t", partitions: 1, replicationFactor: 1, configOverrides: [:])
        }

        func context(_ api: KafkaAPIKey, _ version: Int16) -> RequestContext {
            RequestContext(
                nodeID: 1,
                header: KafkaRequestHeader(apiKey: api.rawValue, apiVersion: version, correlationID: 1, clientID: "test"),
                logger: Logger(label: "test"))
        }

        /// Writes the markers the coordinator has queued, as the marker writer task does.
        func writeQueuedMarkers(_ count: Int) async {
            var written = 0
            for await job in core.transactions.markerJobs {
                core.writeMarkers(job)
                written += 1
                if written == count { break }
            }
        }

        deinit {
            core.shutdown()
            directory.remove()
        }
    }

    struct Producer {
        let fixture: Fixture
        let id: String
        var producerId: Int64 = -1
        var epoch: Int16 = -1
        var sequence: Int32 = 0

        init(_ fixture: Fixture, id: String = "tx") {
            self.fixture = fixture
            self.id = id
            let answer = fixture.router.initProducerId(
                InitProducerIdRequest(transactionalId: id, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1),
                fixture.context(.initProducerId, 4))
            producerId = answer.producerId
            epoch = answer.producerEpoch
        }

        func add() -> Int16 {
            fixture.router.addPartitionsToTxn(
                AddPartitionsToTxnRequest(
                    v3AndBelowTransactionalId: id, v3AndBelowProducerId: producerId, v3AndBelowProducerEpoch: epoch,
                    v3AndBelowTopics: [.init(name: "t", partitions: [0])]),
                fixture.context(.addPartitionsToTxn, 3)
            ).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode
        }

        mutating func produce(_ count: Int) throws -> (error: Int16, baseOffset: Int64) {
            let batch = try ProduceTesting.batch(
                count: count, producerId: producerId, producerEpoch: epoch, baseSequence: sequence, isTransactional: true,
                baseTimestamp: Int64(Date().timeIntervalSince1970 * 1000))
            sequence += Int32(count)
            let result = fixture.router.produce(
                ProduceRequest(
                    transactionalId: id, acks: -1, timeoutMs: 1000,
                    topicData: [.init(name: "t", partitionData: [.init(index: 0, records: batch.bytes)])]),
                fixture.context(.produce, 9))
            guard case .response(.produce(let response)) = result else {
                Issue.record("no Produce response")
                return (-1, -1)
            }
            let partition = response.responses[0].partitionResponses[0]
            return (partition.errorCode, partition.baseOffset)
        }

        func end(commit: Bool) -> Int16 {
            fixture.router.endTxn(
                EndTxnRequest(transactionalId: id, producerId: producerId, producerEpoch: epoch, committed: commit),
                fixture.context(.endTxn, 3)
            ).errorCode
        }
    }

    func fetch(_ fixture: Fixture, from offset: Int64, readCommitted: Bool) async -> FetchResponse.PartitionData {
        let request = FetchRequest(
            maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: readCommitted ? 1 : 0, sessionId: 0,
            sessionEpoch: -1,
            topics: [.init(topic: "t", partitions: [.init(partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20)])])
        return await fixture.router.fetch(request, fixture.context(.fetch, 12)).responses[0].partitions[0]
    }

    func latest(_ fixture: Fixture, readCommitted: Bool) -> Int64 {
        fixture.router.listOffsets(
            ListOffsetsRequest(
                replicaId: -1, isolationLevel: readCommitted ? 1 : 0,
                topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, timestamp: -1)])]),
            fixture.context(.listOffsets, 9)
        ).topics[0].partitions[0].offset
    }

    static func batchOffsets(_ records: ByteBuffer?) throws -> [Int64] {
        try RecordBatchSequence(records ?? ByteBuffer()).split().batches.map(\.baseOffset)
    }

    @Test func readCommittedFetchStopsAtTheLastStableOffsetAndListsAbortedTransactions() async throws {
        let fixture = try Fixture()
        var producer = Producer(fixture)
        #expect(producer.producerId >= 0 && producer.epoch == 0)
        // 0-2 data | 3 COMMIT
        #expect(producer.add() == 0)
        #expect(try producer.produce(3) == (0, 0))
        #expect(producer.end(commit: true) == 0)
        await fixture.writeQueuedMarkers(1)
        // 4-5 data | 6 ABORT
        #expect(producer.add() == 0)
        #expect(try producer.produce(2) == (0, 4))
        #expect(producer.end(commit: false) == 0)
        await fixture.writeQueuedMarkers(1)
        // 7 data, open
        #expect(producer.add() == 0)
        #expect(try producer.produce(1) == (0, 7))

        let committed = await fetch(fixture, from: 0, readCommitted: true)
        #expect(committed.highWatermark == 8 && committed.lastStableOffset == 7)
        #expect(committed.abortedTransactions == [.init(producerId: producer.producerId, firstOffset: 4)])
        #expect(try Self.batchOffsets(committed.records) == [0, 3, 4, 6])
        let uncommitted = await fetch(fixture, from: 0, readCommitted: false)
        #expect(uncommitted.abortedTransactions == nil && uncommitted.lastStableOffset == 7)
        #expect(try Self.batchOffsets(uncommitted.records) == [0, 3, 4, 6, 7])
        let fromSeven = await fetch(fixture, from: 7, readCommitted: true)
        #expect(fromSeven.abortedTransactions == [] && fromSeven.records?.readableBytes == 0)
        #expect(latest(fixture, readCommitted: true) == 7 && latest(fixture, readCommitted: false) == 8)

        #expect(producer.end(commit: true) == 0)
        #expect(latest(fixture, readCommitted: true) == 7, "the marker is written asynchronously")
        await fixture.writeQueuedMarkers(1)
        #expect(latest(fixture, readCommitted: true) == 9)
        let after = await fetch(fixture, from: 0, readCommitted: true)
        #expect(after.lastStableOffset == 9 && after.highWatermark == 9)
        #expect(try Self.batchOffsets(after.records) == [0, 3, 4, 6, 7, 8])
    }

    @Test func transactionalProduceNeedsThePartitionInTheTransaction() async throws {
        let fixture = try Fixture()
        var producer = Producer(fixture)
        #expect(try producer.produce(1).error == KafkaErrorCode.invalidTxnState.rawValue)
        var stranger = Producer(fixture, id: "other")
        stranger.epoch = 5
        #expect(stranger.add() == KafkaErrorCode.producerFenced.rawValue)
        #expect(try stranger.produce(1).error == KafkaErrorCode.invalidProducerEpoch.rawValue)
        #expect(fixture.core.partition(TopicPartition(topic: "t", partition: 0))?.logEndOffset == 0)
    }

    @Test func transactionalOffsetsBecomeVisibleOnCommit() async throws {
        let fixture = try Fixture()
        let producer = Producer(fixture)
        let addOffsets = fixture.router.addOffsetsToTxn(
            AddOffsetsToTxnRequest(
                transactionalId: "tx", producerId: producer.producerId, producerEpoch: producer.epoch, groupId: "g"),
            fixture.context(.addOffsetsToTxn, 3))
        #expect(addOffsets.errorCode == 0)
        let commit = fixture.router.txnOffsetCommit(
            TxnOffsetCommitRequest(
                transactionalId: "tx", groupId: "g", producerId: producer.producerId, producerEpoch: producer.epoch,
                generationId: -1, memberId: "",
                topics: [.init(name: "t", partitions: [.init(partitionIndex: 0, committedOffset: 42)])]),
            fixture.context(.txnOffsetCommit, 3))
        #expect(commit.topics[0].partitions[0].errorCode == 0)
        let partition = TopicPartition(topic: "t", partition: 0)
        #expect(fixture.core.groups.fetchOffsets(groupID: "g", partitions: [partition])?.first?.1 == nil)
        #expect(fixture.core.transactions.hasPendingOffset(group: "g", partition: partition))
        #expect(producer.end(commit: true) == 0)
        await fixture.writeQueuedMarkers(1)
        #expect(fixture.core.groups.fetchOffsets(groupID: "g", partitions: [partition])?.first?.1?.offset == 42)
        #expect(!fixture.core.transactions.hasPendingOffset(group: "g", partition: partition))
    }
}
