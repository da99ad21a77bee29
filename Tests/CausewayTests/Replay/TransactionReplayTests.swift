@testable import Causeway
import CausewayStore
import Foundation
import KafkaBroker
import KafkaClient
import KafkaProtocol
import Logging
import NIOCore
import TestSupport
import XCTest

/// Source transactions replayed on the destination: same offsets, same records, same
/// commit/abort outcome, markers at the same offsets; and a replay a crash interrupted
/// continues the same destination transaction.
final class TransactionReplayTests: XCTestCase {
    // MARK: Pure parts

    func testSlotsNeededCountsTransactionsOpenAtOnce() throws {
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 12)
        let actions = mirror.fetched(
            from: 0, records: GoldenFetch.records("f_fetch_v12_read_uncommitted_all"), sourceHighWatermark: 12, sourceLogStart: 0)
        guard case .replayTransaction(let span) = actions.first else { return XCTFail("\(actions)") }
        XCTAssertEqual(TransactionReplayer.slotsNeeded(by: span), 1)
        XCTAssertNil(TransactionReplayer.firstOpenOffset(in: span, below: 0))
        XCTAssertEqual(TransactionReplayer.firstOpenOffset(in: span, below: span.nextOffset - 1), span.baseOffset)
        XCTAssertNil(TransactionReplayer.firstOpenOffset(in: span, below: span.nextOffset), "the marker closes it")
    }

    func testStoreJournalSurvivesReopeningTheStore() throws {
        let path = temporaryPath("journal") + ".db"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let partition = TopicPartitionID("t", 3)
        let checkpoint = ReplayCheckpoint(
            slots: [0: .init(producer: TransactionalProducer(transactionalID: "x-0", producerID: 7, epoch: 2), nextSequence: 11)],
            openSpanBase: 40)
        do {
            let journal = StoreReplayJournal(store: try SQLiteCheckpointStore(path: path, link: "l"))
            XCTAssertNil(try journal.checkpoint(destination: "dr", partition: partition))
            try journal.save(checkpoint, destination: "dr", partition: partition)
        }
        let reopened = StoreReplayJournal(store: try SQLiteCheckpointStore(path: path, link: "l"))
        XCTAssertEqual(try reopened.checkpoint(destination: "dr", partition: partition), checkpoint)
        XCTAssertNil(try reopened.checkpoint(destination: "other", partition: partition))
    }

    // MARK: Against embedded clusters

    /// Writes interleaved transactions to `partition` on the source: committed, aborted,
    /// with plain and idempotent batches between them. Returns the source log end.
    static func writeTransactions(to partition: TopicPartitionID, on source: KafkaClient) async throws -> Int64 {
        let first = try await source.initTransactionalProducer(transactionalID: "source-a", transactionTimeout: .seconds(60))
        let second = try await source.initTransactionalProducer(transactionalID: "source-b", transactionTimeout: .seconds(60))
        var sequences: [Int64: Int32] = [:]
        func transactional(_ producer: TransactionalProducer, count: Int, codec: CompressionCodec) async throws {
            var builder = RecordBatchBuilder(baseTimestamp: Int64(Date().timeIntervalSince1970 * 1000), codec: codec)
            builder.isTransactional = true
            builder.producerId = producer.producerID
            builder.producerEpoch = producer.epoch
            builder.baseSequence = sequences[producer.producerID, default: 0]
            for index in 0..<count {
                builder.append(
                    key: ByteBuffer(string: "\(producer.transactionalID)-\(builder.baseSequence + Int32(index))"),
                    value: ByteBuffer(string: "value \(index)"), timestampDelta: Int64(index), offsetDelta: Int32(index))
            }
            sequences[producer.producerID, default: 0] += Int32(count)
            let result = try await source.produceTransactional(try builder.build().bytes, to: partition, producer: producer)
            XCTAssertEqual(result.error, KafkaErrorCode.none)
        }
        func plain(_ count: Int, from first: Int) async throws {
            let result = try await source.produce(
                [partition: try LinkEngineTests.batch(count: count, from: first, codec: .none)], to: source.leader(of: partition))
            XCTAssertEqual(result[partition]?.error, KafkaErrorCode.none)
        }
        func end(_ producer: TransactionalProducer, commit: Bool) async throws {
            let before = try await source.listOffsets([partition: .latest])[partition]!.get().offset
            try await source.endTransaction(producer, commit: commit)
            try await waitFor("the source marker") {
                try await source.listOffsets([partition: .latest])[partition]!.get().offset == before + 1
            }
        }
        try await source.addPartitionsToTransaction([partition], producer: first)
        try await transactional(first, count: 3, codec: .zstd)  // 0-2
        try await plain(2, from: 0)  // 3-4
        try await source.addPartitionsToTransaction([partition], producer: second)
        try await transactional(second, count: 2, codec: .none)  // 5-6
        try await transactional(first, count: 2, codec: .lz4)  // 7-8
        try await end(first, commit: true)  // 9
        try await transactional(second, count: 1, codec: .gzip)  // 10
        try await end(second, commit: false)  // 11
        try await plain(1, from: 2)  // 12
        try await source.addPartitionsToTransaction([partition], producer: first)
        try await transactional(first, count: 2, codec: .snappy)  // 13-14
        try await end(first, commit: true)  // 15
        try await plain(1, from: 3)  // 16
        return 17
    }

    static func waitFor(
        _ what: String, deadline: Duration = .seconds(30), _ condition: () async throws -> Bool
    ) async throws {
        let end = ContinuousClock.now.advanced(by: deadline)
        while ContinuousClock.now < end {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTFail("timed out waiting for \(what)")
        throw CancellationError()
    }

    /// Every offset of `partition` holds the same thing on both sides, markers included,
    /// and the destination has no transaction left open.
    static func assertMirrored(
        _ partition: TopicPartitionID, source: KafkaClient, destination: KafkaClient, logEnd: Int64,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let comparison = try await PartitionVerifier(source: source, destination: destination).compare(partition)
        XCTAssertTrue(comparison.isIdentical, "\(comparison.differences)", file: file, line: line)
        XCTAssertEqual(comparison.fidelity, "records", file: file, line: line)
        let destinationEnd = try await destination.listOffsets([partition: .latest])[partition]!.get().offset
        let lastStable = try await destination.listOffsets([partition: .latest], readCommitted: true)[partition]!.get().offset
        XCTAssertEqual(destinationEnd, logEnd, file: file, line: line)
        XCTAssertEqual(lastStable, logEnd, "no destination transaction left open", file: file, line: line)
    }

    func testInterleavedCommittedAndAbortedTransactionsKeepTheirOffsetsAndOutcomes() async throws {
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            // Three partitions: their replays run at once, through one destination coordinator.
            let partitions = (0..<3).map { TopicPartitionID("x.txn", Int32($0)) }
            _ = try await source.createTopics([NewTopic(name: "x.txn", partitions: 3)])
            var logEnd: Int64 = 0
            for partition in partitions {
                logEnd = try await Self.writeTransactions(to: partition, on: source)
            }
            let engine = LinkEngine(configuration: LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "x."))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 3, offsets: 3 * logEnd)
                group.cancelAll()
            }
            for partition in partitions {
                try await Self.assertMirrored(partition, source: source, destination: destination, logEnd: logEnd)
            }
        }
    }

    /// The replay stops half-way through a span with a destination transaction open (as
    /// when the daemon is killed); a new replayer with the same journal continues it.
    func testAnInterruptedReplayContinuesTheSameDestinationTransaction() async throws {
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            let partition = TopicPartitionID("x.crash", 0)
            _ = try await source.createTopics([NewTopic(name: partition.topic, partitions: 1)])
            _ = try await destination.createTopics([NewTopic(name: partition.topic, partitions: 1)])
            let logEnd = try await Self.writeTransactions(to: partition, on: source)
            let records = try await Self.fetchAll(partition, from: source)
            var mirror = PartitionMirror()
            _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: logEnd)
            let actions = mirror.fetched(from: 0, records: records, sourceHighWatermark: logEnd, sourceLogStart: 0)
            guard case .replayTransaction(let span) = actions.first else { return XCTFail("\(actions)") }
            XCTAssertEqual(span.baseOffset, 0)
            XCTAssertEqual(span.nextOffset, 12, "the span ends when both transactions have ended")

            let journal = InMemoryReplayJournal()
            // The first replayer "dies" at the plain batch at offset 3: offsets 0-2 of an
            // open destination transaction are written.
            let dying = Self.replayer(partition, destination: destination, journal: journal, failAt: 3)
            guard case .failed(_, retriable: false) = await dying.replay(span, writtenUpTo: 0) else { return XCTFail() }
            let stopped = try await destination.listOffsets([partition: .latest])[partition]!.get().offset
            XCTAssertEqual(stopped, 3)
            XCTAssertEqual(try journal.checkpoint(destination: "dr", partition: partition)?.openSpanBase, 0)

            let resumed = Self.replayer(partition, destination: destination, journal: journal, failAt: nil)
            guard case .replayed(let end, _) = await resumed.replay(span, writtenUpTo: stopped) else { return XCTFail() }
            XCTAssertEqual(end, 12)
            XCTAssertNil(try journal.checkpoint(destination: "dr", partition: partition)?.openSpanBase)
            // The engine, with the same journal, carries on from the destination log end.
            let engine = LinkEngine(
                configuration: LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "x."),
                replayJournal: journal)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await engine.run() }
                try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 1, offsets: logEnd)
                group.cancelAll()
            }
            try await Self.assertMirrored(partition, source: source, destination: destination, logEnd: logEnd)
        }
    }

    static func replayer(
        _ partition: TopicPartitionID, destination: KafkaClient, journal: any ReplayJournal, failAt: Int64?
    ) -> TransactionReplayer {
        TransactionReplayer(
            partition: partition, destinationName: "dr", destination: destination, journal: journal,
            transactionalIDPrefix: "causeway-test-dr", transactionTimeout: .seconds(60),
            produce: { plan in
                if plan.baseOffset == failAt { return .failure(KafkaClientError(.closed)) }
                var bytes = plan.batch.bytes
                bytes.setRecordBatchBaseOffset(0, at: bytes.readerIndex)
                do {
                    let results = try await destination.produce([partition: bytes], to: destination.leader(of: partition))
                    return .success(results[partition]!)
                } catch let error as KafkaClientError {
                    return .failure(error)
                } catch {
                    return .failure(KafkaClientError(.connectionFailed("\(error)")))
                }
            },
            settledLogEnd: { try await destination.listOffsets([partition: .latest])[partition]!.get().offset },
            logger: Logger(label: "test.replay"))
    }

    static func fetchAll(_ partition: TopicPartitionID, from client: KafkaClient) async throws -> ByteBuffer {
        var session = FetchSessionState(sessionless: true)
        let (_, results) = try await client.fetch(
            [partition: .init(offset: 0, maxBytes: 1 << 20)], from: client.leader(of: partition), session: &session)
        return try XCTUnwrap(results[partition]?.records)
    }
}
