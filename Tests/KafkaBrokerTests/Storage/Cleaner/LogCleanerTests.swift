import KafkaProtocol
import NIOCore
import Testing
@testable import KafkaBroker

/// Cleaning passes over real logs: what stays, at which offsets, in which batches.
@Suite struct LogCleanerTests {
    typealias Fixture = CompactedLogFixture

    /// The written records whose offset is the latest of their key.
    static func latestRecords(_ fixture: Fixture) -> [Fixture.Written] {
        let latest = fixture.latestOffsets
        return fixture.written.filter { $0.key.map { latest[$0] } == $0.offset }
    }

    @Test func overwritesLeaveHolesAtTheOriginalOffsetsAndBatchesKeepTheirRange() throws {
        let fixture = try Fixture(segmentBytes: 300)
        for round in 0..<12 {
            // Keys k0/k2 and k1/k3 alternate, so older batches lose everything; every
            // third batch also holds a key of its own, so it keeps that record alone.
            var records: [(String?, String?)] = [("k\(round % 4)", "a\(round)"), ("k\((round + 2) % 4)", "b\(round)")]
            if round % 3 == 0 { records.insert(("u\(round)", "c\(round)"), at: 1) }
            try fixture.append(records)
        }
        try fixture.roll()
        let log = fixture.log
        let offsetsBefore = (log.logStartOffset, log.highWatermark, log.logEndOffset)
        #expect(log.segments.count > 4)

        let outcome = try fixture.clean()
        #expect(outcome.skippedReason == nil && outcome.didClean)
        #expect(outcome.nextDirtyOffset == log.logEndOffset)
        #expect((log.logStartOffset, log.highWatermark, log.logEndOffset) == offsetsBefore)

        // Exactly the latest record of each key survives, at its offset, with its timestamp.
        let records = try fixture.readRecords()
        #expect(records == Self.latestRecords(fixture))
        #expect(try fixture.table() == fixture.expectedTable)

        // Every batch is one that was written, with its base offset, last offset delta,
        // leader epoch and producer fields; untouched batches are byte for byte the same.
        let originals = Dictionary(uniqueKeysWithValues: fixture.batches.map { ($0.baseOffset, $0) })
        let cleaned = try fixture.readBatches()
        for batch in cleaned {
            let original = try #require(originals[batch.baseOffset])
            #expect(batch.lastOffsetDelta == original.lastOffsetDelta)
            #expect(batch.partitionLeaderEpoch == 4 && batch.producerId == -1 && batch.baseSequence == -1)
            #expect(!batch.hasDeleteHorizon)
            if batch.recordCount == original.recordCount {
                #expect(batch.bytes == original.bytes)
            } else {
                #expect(batch.recordCount < original.recordCount && batch.recordCount > 0)
            }
        }
        // Batches that lost every record are gone: holes between batches.
        let survivors = Set(Self.latestRecords(fixture).map { $0.offset })
        let expectedBases = fixture.batches
            .filter { batch in (batch.baseOffset...batch.lastOffset).contains { survivors.contains($0) } }
            .map(\.baseOffset)
        #expect(cleaned.map(\.baseOffset) == expectedBases)
        #expect(expectedBases.count < fixture.batches.count)

        // A second pass with nothing new changes nothing.
        try fixture.clean()
        #expect(try fixture.readBatches().map(\.bytes) == cleaned.map(\.bytes))
    }

    @Test func tombstonesGetADeleteHorizonAndGoAfterIt() throws {
        let fixture = try Fixture()
        try fixture.append([("a", "1"), ("b", "1")])  // 0-1
        try fixture.append([("a", nil)])  // 2
        try fixture.append([("c", "1")])  // 3
        try fixture.roll()
        let retention: Int64 = 60_000
        var config = CleanerConfig()
        config.deleteRetention = .milliseconds(retention)
        let firstPass = fixture.clock.nowMilliseconds

        try fixture.clean(config)
        var batches = try fixture.readBatches()
        #expect(batches.map(\.baseOffset) == [0, 2, 3])
        #expect(batches[0].lastOffsetDelta == 1 && batches[0].recordCount == 1)  // a@0 went: a hole inside the batch
        let tombstoneBatch = batches[1]
        #expect(tombstoneBatch.hasDeleteHorizon && tombstoneBatch.baseTimestamp == firstPass + retention)
        #expect(try tombstoneBatch.records(maxDecompressedSize: 1 << 20).map { $0.value } == [nil])
        // The record keeps its own timestamp, re-based on the horizon.
        #expect(try fixture.readRecords().map(\.timestamp) == [1, 2, 3].map { fixture.written[$0].timestamp })
        #expect(batches[2].bytes == fixture.batches[2].bytes)

        // Before the horizon the tombstone stays, and its horizon does not move.
        fixture.clock.advance(milliseconds: retention - 1)
        try fixture.clean(config)
        batches = try fixture.readBatches()
        #expect(batches.map(\.baseOffset) == [0, 2, 3] && batches[1].baseTimestamp == firstPass + retention)

        // At the horizon it goes, and with it the batch that held it.
        fixture.clock.advance(milliseconds: 1)
        try fixture.clean(config)
        #expect(try fixture.readBatches().map(\.baseOffset) == [0, 3])
        #expect(try fixture.table() == ["b": "1", "c": "1"])
        #expect(fixture.log.logEndOffset == 4)
    }

    @Test func theLastBatchOfTheRoundStaysEmptyWhenItLosesEverything() throws {
        // Kafka 4.0 (KAFKA-17076) keeps the batch that ends at the round's upper bound, so
        // the offset of the last cleaned record is not lost.
        let fixture = try Fixture()
        try fixture.append([("a", "1")])  // 0
        try fixture.append([("a", nil)])  // 1
        try fixture.roll()
        var config = CleanerConfig()
        config.deleteRetention = .zero
        try fixture.clean(config)  // sets the horizon (now + 0)
        try fixture.clean(config)  // the horizon has passed
        let batches = try fixture.readBatches()
        #expect(batches.map(\.baseOffset) == [1])
        let empty = try #require(batches.first)
        #expect(empty.recordCount == 0 && empty.sizeInBytes == 61 && empty.baseTimestamp == -1 && empty.codec == .none)
        #expect(empty.maxTimestamp == fixture.batches[1].maxTimestamp)
        #expect(try fixture.table().isEmpty)
    }

    @Test func anIdempotentProducersLastBatchStaysAsAnEmptyBatch() throws {
        let fixture = try Fixture()
        try fixture.append([("k1", "a"), ("k2", "a")], producerId: 7, producerEpoch: 2, baseSequence: 10)  // 0-1
        try fixture.append([("k1", "x")], producerId: 8, producerEpoch: 0, baseSequence: 0)  // 2
        try fixture.append([("k3", "x")], producerId: 8, producerEpoch: 0, baseSequence: 1)  // 3
        try fixture.append([("k1", "b"), ("k2", "b")])  // 4-5
        try fixture.append([("k3", "z"), ("last", "z")])  // 6-7
        try fixture.roll()
        let producers = [
            Int64(7): ProducerLastRecord(lastDataOffset: 1, producerEpoch: 2),
            8: ProducerLastRecord(lastDataOffset: 3, producerEpoch: 0),
        ]
        let outcome = try fixture.clean(producers: producers)
        #expect(outcome.batchesEmptied == 2 && outcome.batchesDeleted == 1)

        let batches = try fixture.readBatches()
        #expect(batches.map(\.baseOffset) == [0, 3, 4, 6])
        for (batch, original) in [(batches[0], fixture.batches[0]), (batches[1], fixture.batches[2])] {
            #expect(batch.recordCount == 0 && batch.sizeInBytes == 61)
            #expect(batch.lastOffsetDelta == original.lastOffsetDelta)
            #expect(batch.producerId == original.producerId && batch.producerEpoch == original.producerEpoch)
            #expect(batch.baseSequence == original.baseSequence)
            #expect(batch.maxTimestamp == original.maxTimestamp && batch.partitionLeaderEpoch == 4)
        }
        #expect(try fixture.table() == fixture.expectedTable)
    }

    @Test func expiredProducersLoseTheirEmptiedBatches() throws {
        let fixture = try Fixture()
        try fixture.append([("k1", "a")], producerId: 7, producerEpoch: 0, baseSequence: 0)
        try fixture.append([("k1", "b")])
        try fixture.roll()
        try fixture.clean()
        #expect(try fixture.readBatches().map(\.baseOffset) == [1])
    }

    @Test func theProducerStateRebuiltAfterCleaningStillKnowsTheProducer() throws {
        let fixture = try Fixture()
        try fixture.append([("k1", "a"), ("k2", "a")], producerId: 7, producerEpoch: 0, baseSequence: 0)
        try fixture.append([("k1", "b"), ("k2", "b")])
        try fixture.roll()
        let topicConfig = TopicConfig(overrides: ["cleanup.policy": "compact"])
        var partition = try Partition(log: fixture.log, topicConfig: topicConfig, clock: fixture.clock)
        let outcome = try partition.clean(config: CleanerConfig(), force: true)
        #expect(outcome.batchesEmptied == 1)
        try partition.close()

        try fixture.reopen()
        partition = try Partition(log: fixture.log, topicConfig: topicConfig, clock: fixture.clock)
        let producer = try #require(partition.describeProducers().first)
        #expect(producer.producerId == 7 && producer.lastSequence == 1)
        #expect(try fixture.readBatches().first?.recordCount == 0)
        try partition.close()
    }

    @Test(arguments: [CompressionCodec.gzip, .zstd, .lz4, .snappy])
    func compressedBatchesAreRewrittenWithTheirCodec(codec: CompressionCodec) throws {
        let fixture = try Fixture(segmentBytes: 2_000)
        for round in 0..<10 {
            let records = (0..<5).map { ("key-\(($0 + round) % 7)", String(repeating: "value \(round) ", count: 4)) }
            try fixture.append(records, codec: codec)
        }
        try fixture.roll()
        try fixture.clean()
        let batches = try fixture.readBatches()
        #expect(batches.allSatisfy { $0.codec == codec })
        #expect(batches.contains { $0.recordCount < 5 })
        #expect(try fixture.readRecords() == Self.latestRecords(fixture))
        #expect(try fixture.table() == fixture.expectedTable)
    }

    @Test func nonCompactedLogsAreLeftAlone() throws {
        let fixture = try Fixture()
        try fixture.append([("a", "1")])
        try fixture.append([("a", "2")])
        try fixture.roll()
        fixture.config.cleanupPolicy = .delete
        try fixture.log.updateConfig(fixture.config)
        let outcome = try fixture.clean()
        #expect(outcome.skippedReason != nil && !outcome.didClean)
        #expect(try fixture.readBatches().count == 2)
    }

    @Test func aConsumerReadsTheLatestValueOfEveryKeyAcrossPassesAndRestarts() throws {
        let fixture = try Fixture(segmentBytes: 1_500)
        var generator = SplitMix64(seed: 42)
        let codecs: [CompressionCodec] = [.none, .gzip, .zstd]
        var config = CleanerConfig()
        config.deleteRetention = .milliseconds(5_000)
        for round in 0..<8 {
            for _ in 0..<12 {
                let records = (0..<Int(generator.next() % 4 + 1)).map { _ -> (String?, String?) in
                    let key = "key-\(generator.next() % 25)"
                    return (key, generator.next() % 6 == 0 ? nil : "v\(generator.next() % 1000)")
                }
                try fixture.append(records, codec: codecs[Int(generator.next() % 3)])
                fixture.clock.advance(milliseconds: 700)
            }
            try fixture.clean(config, force: round % 2 == 0)
            #expect(try fixture.table() == fixture.expectedTable, "round \(round)")
            if round == 4 {
                try fixture.log.close()
                try fixture.reopen()
            }
        }
        // Every record read sits at the offset it was written at, with what it held.
        let written = Dictionary(uniqueKeysWithValues: fixture.written.map { ($0.offset, $0) })
        for record in try fixture.readRecords() {
            #expect(written[record.offset] == record)
        }
    }
}
