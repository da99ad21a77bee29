import KafkaProtocol
import NIOCore
import XCTest

@testable import Causeway

/// Scripts: event in, expected actions out.
final class PartitionMirrorTests: XCTestCase {
    let classifier = MirrorBatchClassifier()

    private func plans(_ batches: [RecordBatch]) throws -> [BatchPlan] {
        try batches.map { try classifier.plan($0) }
    }

    // MARK: Steady state

    func testPlainStreamIsProducedBatchByBatchAtItsSourceOffsets() throws {
        let batches = try GoldenFetch.batches("c_fetch_v12_plain")  // 0...2, 3...5
        let p = try plans(batches)
        var mirror = PartitionMirror()
        XCTAssertEqual(mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 6), [.fetch(from: 0)])
        XCTAssertEqual(mirror.state, .mirroring)
        XCTAssertEqual(
            mirror.fetched(from: 0, records: GoldenFetch.records("c_fetch_v12_plain"), sourceHighWatermark: 6, sourceLogStart: 0),
            [.produce(p[0]), .waitForHighWatermark(from: 6)])
        // One Produce in flight by default: batches without a producer id are never pipelined.
        XCTAssertEqual(mirror.lag, MirrorLag(records: 6, bytes: batches[0].sizeInBytes + batches[1].sizeInBytes))
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 0, assignedBaseOffset: 0), [.produce(p[1])])
        XCTAssertEqual(mirror.destinationLogEnd, 3)
        XCTAssertEqual(mirror.lag, MirrorLag(records: 3, bytes: batches[1].sizeInBytes))
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 3, assignedBaseOffset: 3), [])
        XCTAssertEqual(mirror.destinationLogEnd, 6)
        XCTAssertEqual(mirror.lag, MirrorLag(records: 0, bytes: 0))
        XCTAssertEqual(mirror.fidelity, .exact)
        XCTAssertEqual(mirror.counters.passthroughBatches, 2)
        XCTAssertEqual(mirror.counters.offsetsWritten, 6)
        // More data arrives on the long poll.
        let next = try TestBatches.contiguous(base: 6, count: 4)
        XCTAssertEqual(
            mirror.fetched(from: 6, records: TestBatches.blob([next]), sourceHighWatermark: 10, sourceLogStart: 0),
            [.produce(try classifier.plan(next)), .waitForHighWatermark(from: 10)])
        XCTAssertEqual(mirror.lag.records, 10 - 6)
    }

    func testResumeAfterRestartFetchesFromTheDestinationLogEnd() {
        var mirror = PartitionMirror()
        XCTAssertEqual(
            mirror.started(destinationLogEnd: 37, sourceLogStart: 0, sourceHighWatermark: 50, startPosition: .latest),
            [.fetch(from: 37)])
        XCTAssertEqual(mirror.state, .mirroring)
        XCTAssertEqual(mirror.lag.records, 13)

        var caughtUp = PartitionMirror()
        XCTAssertEqual(
            caughtUp.started(destinationLogEnd: 50, sourceLogStart: 0, sourceHighWatermark: 50),
            [.waitForHighWatermark(from: 50)])
    }

    func testStaleFetchResponsesAreIgnored() throws {
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 6)
        let blob = GoldenFetch.records("c_fetch_v12_plain")
        XCTAssertEqual(mirror.fetched(from: 3, records: blob, sourceHighWatermark: 6, sourceLogStart: 0), [])
        XCTAssertEqual(mirror.fetched(from: 0, records: blob, sourceHighWatermark: 6, sourceLogStart: 0).count, 2)
        XCTAssertEqual(mirror.fetched(from: 0, records: blob, sourceHighWatermark: 6, sourceLogStart: 0), [])
    }

    // MARK: Divergence

    func testAcknowledgementAtAnotherOffsetDiverges() throws {
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 6)
        _ = mirror.fetched(from: 0, records: GoldenFetch.records("c_fetch_v12_plain"), sourceHighWatermark: 6, sourceLogStart: 0)
        let divergence = Divergence(offset: 0, reason: .unexpectedBaseOffset(expected: 0, assigned: 5))
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 0, assignedBaseOffset: 5), [.reportDiverged(divergence)])
        XCTAssertEqual(mirror.state, .diverged(divergence))
        XCTAssertEqual(mirror.destinationLogEnd, 0)
        // Stopped for good: nothing more is asked.
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 3, assignedBaseOffset: 3), [])
        XCTAssertEqual(mirror.resume(), [])
    }

    func testDestinationAheadOfTheSourceDivergesAtStart() {
        var mirror = PartitionMirror()
        let divergence = Divergence(
            offset: 40, reason: .destinationAheadOfSource(destinationLogEnd: 45, sourceHighWatermark: 40))
        XCTAssertEqual(
            mirror.started(destinationLogEnd: 45, sourceLogStart: 0, sourceHighWatermark: 40), [.reportDiverged(divergence)])
    }

    func testSourceTruncatedBelowThePositionDiverges() {
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 30, sourceLogStart: 0, sourceHighWatermark: 30)
        let divergence = Divergence(offset: 20, reason: .sourceTruncated(sourceHighWatermark: 20))
        XCTAssertEqual(
            mirror.sourceOffsetOutOfRange(from: 30, sourceLogStart: 0, sourceHighWatermark: 20),
            [.reportDiverged(divergence)])
    }

    // MARK: Produce failures

    /// The failed Produce was in fact written: the log end shows it, and only the rest is sent.
    func testRetriableFailureChecksTheLogEndAndDoesNotDuplicate() throws {
        let p = try plans(try GoldenFetch.batches("c_fetch_v12_plain"))
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 6)
        _ = mirror.fetched(from: 0, records: GoldenFetch.records("c_fetch_v12_plain"), sourceHighWatermark: 6, sourceLogStart: 0)
        XCTAssertEqual(mirror.produceFailed(expectedBaseOffset: 0, error: .requestTimedOut), [.readDestinationLogEnd])
        XCTAssertEqual(mirror.destinationLogEndRead(3), [.produce(p[1])])
        XCTAssertEqual(mirror.destinationLogEnd, 3)
        XCTAssertEqual(mirror.counters.batchesFoundWrittenAfterFailure, 1)
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 3, assignedBaseOffset: 3), [])
        XCTAssertEqual(mirror.destinationLogEnd, 6)
    }

    /// The failed Produce was not written: the same batch is sent again.
    func testRetriableFailureResendsWhatIsMissing() throws {
        let p = try plans(try GoldenFetch.batches("c_fetch_v12_plain"))
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 6)
        _ = mirror.fetched(from: 0, records: GoldenFetch.records("c_fetch_v12_plain"), sourceHighWatermark: 6, sourceLogStart: 0)
        XCTAssertEqual(mirror.produceFailed(expectedBaseOffset: 0, error: .notLeaderOrFollower), [.readDestinationLogEnd])
        // Answers that are not asked for are ignored.
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 0, assignedBaseOffset: 0), [])
        XCTAssertEqual(mirror.destinationLogEndRead(0), [.produce(p[0])])
        XCTAssertEqual(mirror.destinationLogEndRead(0), [])
        XCTAssertEqual(mirror.produceFailed(expectedBaseOffset: 0, error: .networkException), [.readDestinationLogEnd])
        XCTAssertEqual(mirror.destinationLogEndRead(0), [.produce(p[0])])
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 0, assignedBaseOffset: 0), [.produce(p[1])])
        XCTAssertEqual(mirror.counters.produceFailures, 2)
    }

    func testLogEndInsideABatchAfterAFailureDiverges() throws {
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 6)
        _ = mirror.fetched(from: 0, records: GoldenFetch.records("c_fetch_v12_plain"), sourceHighWatermark: 6, sourceLogStart: 0)
        _ = mirror.produceFailed(expectedBaseOffset: 0, error: .requestTimedOut)
        let divergence = Divergence(offset: 0, reason: .unexpectedLogEnd(acknowledged: 0, found: 2))
        XCTAssertEqual(mirror.destinationLogEndRead(2), [.reportDiverged(divergence)])
    }

    func testNonRetriableProduceErrorFailsThePartition() throws {
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 6)
        _ = mirror.fetched(from: 0, records: GoldenFetch.records("c_fetch_v12_plain"), sourceHighWatermark: 6, sourceLogStart: 0)
        let actions = mirror.produceFailed(expectedBaseOffset: 0, error: .messageTooLarge)
        guard case .reportFailed(let failure) = actions.first, case .failed = mirror.state else {
            return XCTFail("expected FAILED, got \(actions)")
        }
        XCTAssertEqual(failure.code, .produceRejected(.messageTooLarge))
        XCTAssertEqual(failure.offset, 0)
        XCTAssertTrue(failure.message.contains("max.message.bytes"))
    }

    /// The destination refuses a producer's sequence (a batch of it was compacted away at
    /// the source): that producer's batches go without producer fields from then on.
    func testOutOfOrderSequenceStripsTheProducerAndResends() throws {
        let first = try TestBatches.make(base: 0, deltas: [0, 1], producerId: 8, producerEpoch: 0, baseSequence: 0)
        // Sequences 2...4 were in a batch the cleaner removed whole: offsets 2...4 are a gap.
        let second = try TestBatches.make(base: 5, deltas: [0, 1], producerId: 8, producerEpoch: 0, baseSequence: 5)
        let third = try TestBatches.make(base: 7, deltas: [0], producerId: 8, producerEpoch: 0, baseSequence: 7)
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 8)
        let actions = mirror.fetched(
            from: 0, records: TestBatches.blob([first, second, third]), sourceHighWatermark: 8, sourceLogStart: 0)
        XCTAssertEqual(actions, [.produce(try classifier.plan(first)), .waitForHighWatermark(from: 8)])
        let gap = try FillerBatches.make(from: 2, to: 5, reason: .gap)[0]
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 0, assignedBaseOffset: 0), [.produce(gap)])
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 2, assignedBaseOffset: 2), [.produce(try classifier.plan(second))])
        XCTAssertEqual(mirror.produceFailed(expectedBaseOffset: 5, error: .outOfOrderSequenceNumber), [.readDestinationLogEnd])
        let stripped = classifier.strippingProducer(try classifier.plan(second))
        XCTAssertEqual(mirror.destinationLogEndRead(5), [.produce(stripped)])
        XCTAssertEqual(stripped.batch.producerId, -1)
        XCTAssertEqual(
            mirror.produceAcknowledged(expectedBaseOffset: 5, assignedBaseOffset: 5),
            [.produce(classifier.strippingProducer(try classifier.plan(third)))])
        _ = mirror.produceAcknowledged(expectedBaseOffset: 7, assignedBaseOffset: 7)
        XCTAssertEqual(mirror.destinationLogEnd, 8)
        XCTAssertEqual(mirror.fidelity, .filled)
        XCTAssertEqual(mirror.counters.rewrittenBatches, 2)
        XCTAssertEqual(mirror.counters.fillerRecords, 3)
    }

    /// A source producer whose id one of Causeway's replay producers holds on the
    /// destination is sent without producer fields, queued batches included.
    func testReservedProducerIdsAreStrippedFromSourceBatches() throws {
        let first = try TestBatches.make(base: 0, deltas: [0, 1], producerId: 1002, producerEpoch: 0, baseSequence: 0)
        let second = try TestBatches.make(base: 2, deltas: [0], producerId: 1002, producerEpoch: 0, baseSequence: 2)
        let other = try TestBatches.make(base: 3, deltas: [0], producerId: 7, producerEpoch: 0, baseSequence: 0)
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 4)
        let actions = mirror.fetched(
            from: 0, records: TestBatches.blob([first, second, other]), sourceHighWatermark: 4, sourceLogStart: 0)
        XCTAssertEqual(actions.first, .produce(try classifier.plan(first)), "sent before the reservation: unchanged")
        mirror.reserveProducerIDs([1002])
        let next = mirror.produceAcknowledged(expectedBaseOffset: 0, assignedBaseOffset: 0)
        XCTAssertEqual(next, [.produce(classifier.strippingProducer(try classifier.plan(second)))])
        XCTAssertEqual(
            mirror.produceAcknowledged(expectedBaseOffset: 2, assignedBaseOffset: 2), [.produce(try classifier.plan(other))],
            "another producer keeps its fields")
        XCTAssertEqual(mirror.fidelity, .records)
    }

    // MARK: Pipelining

    func testSequencedBatchesOfOneProducerArePipelinedAfterTheFirstAcknowledgement() throws {
        let batches = try (0..<4).map {
            try TestBatches.make(base: Int64($0 * 2), deltas: [0, 1], producerId: 11, producerEpoch: 0, baseSequence: Int32($0 * 2))
        }
        let plain = try TestBatches.contiguous(base: 8, count: 1)
        let p = try plans(batches + [plain])
        var configuration = PartitionMirror.Configuration()
        configuration.maxInFlight = 3
        var mirror = PartitionMirror(configuration: configuration)
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 9)
        // Until the destination acknowledged the producer, it would accept any first
        // sequence: no pipelining yet.
        XCTAssertEqual(
            mirror.fetched(from: 0, records: TestBatches.blob(batches + [plain]), sourceHighWatermark: 9, sourceLogStart: 0),
            [.produce(p[0]), .waitForHighWatermark(from: 9)])
        XCTAssertEqual(
            mirror.produceAcknowledged(expectedBaseOffset: 0, assignedBaseOffset: 0), [.produce(p[1]), .produce(p[2]), .produce(p[3])])
        // The batch without a producer id waits until nothing is in flight.
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 2, assignedBaseOffset: 2), [])
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 4, assignedBaseOffset: 4), [])
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 6, assignedBaseOffset: 6), [.produce(p[4])])
    }

    func testFailureWhilePipelinedWaitsForEveryAnswerBeforeReadingTheLogEnd() throws {
        let batches = try (0..<3).map {
            try TestBatches.make(base: Int64($0 * 2), deltas: [0, 1], producerId: 11, producerEpoch: 0, baseSequence: Int32($0 * 2))
        }
        let p = try plans(batches)
        var configuration = PartitionMirror.Configuration()
        configuration.maxInFlight = 5
        var mirror = PartitionMirror(configuration: configuration)
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 6)
        _ = mirror.fetched(from: 0, records: TestBatches.blob(batches), sourceHighWatermark: 6, sourceLogStart: 0)
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 0, assignedBaseOffset: 0), [.produce(p[1]), .produce(p[2])])
        XCTAssertEqual(mirror.produceFailed(expectedBaseOffset: 2, error: .notLeaderOrFollower), [])
        // The next one is refused because its predecessor is missing: no stripping.
        XCTAssertEqual(mirror.produceFailed(expectedBaseOffset: 4, error: .outOfOrderSequenceNumber), [.readDestinationLogEnd])
        XCTAssertEqual(mirror.destinationLogEndRead(2), [.produce(p[1]), .produce(p[2])])
    }

    // MARK: Pause, resume, stop

    func testPauseHoldsNewRequestsAndResumeReleasesThem() throws {
        let p = try plans(try GoldenFetch.batches("c_fetch_v12_plain"))
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 6)
        XCTAssertEqual(mirror.pause(), [])
        XCTAssertEqual(mirror.state, .paused)
        // The fetch in flight is still taken in, but nothing is sent.
        XCTAssertEqual(
            mirror.fetched(from: 0, records: GoldenFetch.records("c_fetch_v12_plain"), sourceHighWatermark: 6, sourceLogStart: 0), [])
        XCTAssertEqual(mirror.pause(), [])
        XCTAssertEqual(mirror.resume(), [.produce(p[0]), .waitForHighWatermark(from: 6)])
        XCTAssertEqual(mirror.state, .mirroring)
        // Answers in flight during a pause are checked and recorded.
        _ = mirror.pause()
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 0, assignedBaseOffset: 0), [])
        XCTAssertEqual(mirror.destinationLogEnd, 3)
        XCTAssertEqual(mirror.resume(), [.produce(p[1])])
        XCTAssertEqual(mirror.stop(), [])
        XCTAssertEqual(mirror.state, .stopped)
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 3, assignedBaseOffset: 3), [])
        XCTAssertEqual(mirror.resume(), [])
        XCTAssertEqual(mirror.destinationLogEnd, 3)
    }

    // MARK: Bootstrap

    /// Source log start 1,000,000 on an empty destination: fillers, then DeleteRecords.
    func testBootstrapFromLogStartAMillionFillsThenDeletesRecords() throws {
        var mirror = PartitionMirror()
        let fillers = try FillerBatches.make(from: 0, to: 1_000_000, reason: .bootstrap)
        XCTAssertEqual(
            mirror.started(destinationLogEnd: 0, sourceLogStart: 1_000_000, sourceHighWatermark: 1_000_000),
            [.produce(fillers[0]), .waitForHighWatermark(from: 1_000_000)])
        XCTAssertEqual(mirror.state, .bootstrapping(logStart: 1_000_000))
        for (index, filler) in fillers.enumerated() {
            let expected: [PartitionMirror.Action] =
                index + 1 < fillers.count ? [.produce(fillers[index + 1])] : [.deleteRecords(before: 1_000_000)]
            XCTAssertEqual(
                mirror.produceAcknowledged(expectedBaseOffset: filler.baseOffset, assignedBaseOffset: filler.baseOffset),
                expected)
        }
        XCTAssertEqual(mirror.deleteRecordsCompleted(lowWatermark: 1_000_000), [])
        XCTAssertEqual(mirror.state, .mirroring)
        XCTAssertEqual(mirror.fidelity, .exact)
        XCTAssertEqual(mirror.counters.bootstrapFillerRecords, 1_000_000)
        XCTAssertEqual(mirror.counters.fillerRecords, 0)
        // New source data lands at its own offset.
        let batch = try TestBatches.contiguous(base: 1_000_000, count: 2)
        XCTAssertEqual(
            mirror.fetched(from: 1_000_000, records: TestBatches.blob([batch]), sourceHighWatermark: 1_000_002, sourceLogStart: 1_000_000),
            [.produce(try classifier.plan(batch)), .waitForHighWatermark(from: 1_000_002)])
    }

    /// Log start 3 inside the batch 0...4: the whole batch goes through exact (no fillers
    /// needed), then DeleteRecords(3) hides offsets 0...2 as on the source.
    func testBootstrapWithTheLogStartInsideABatchSendsTheWholeBatch() throws {
        let batch = try GoldenFetch.batches("e_fetch_v12_from_3_after_delete_3")[0]
        var mirror = PartitionMirror()
        XCTAssertEqual(mirror.started(destinationLogEnd: 0, sourceLogStart: 3, sourceHighWatermark: 5), [.fetch(from: 3)])
        XCTAssertEqual(
            mirror.fetched(from: 3, records: TestBatches.blob([batch]), sourceHighWatermark: 5, sourceLogStart: 3),
            [.produce(try classifier.plan(batch)), .waitForHighWatermark(from: 5)])
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 0, assignedBaseOffset: 0), [.deleteRecords(before: 3)])
        XCTAssertEqual(mirror.deleteRecordsFailed(error: .requestTimedOut), [.deleteRecords(before: 3)])
        XCTAssertEqual(mirror.deleteRecordsCompleted(lowWatermark: 3), [])
        XCTAssertEqual(mirror.state, .mirroring)
        XCTAssertEqual(mirror.fidelity, .exact)
    }

    /// The first source batch starts after the start position (compaction): bootstrap
    /// fillers below it, gap fillers from it to the batch.
    func testBootstrapAboveACompactedStart() throws {
        let batch = try TestBatches.contiguous(base: 120, count: 3)
        var mirror = PartitionMirror()
        XCTAssertEqual(mirror.started(destinationLogEnd: 0, sourceLogStart: 100, sourceHighWatermark: 123), [.fetch(from: 100)])
        let bootstrap = try FillerBatches.make(from: 0, to: 100, reason: .bootstrap)[0]
        let gap = try FillerBatches.make(from: 100, to: 120, reason: .gap)[0]
        XCTAssertEqual(
            mirror.fetched(from: 100, records: TestBatches.blob([batch]), sourceHighWatermark: 123, sourceLogStart: 100),
            [.produce(bootstrap), .waitForHighWatermark(from: 123)])
        // The destination log end reaches the start position: DeleteRecords goes out at once.
        XCTAssertEqual(
            mirror.produceAcknowledged(expectedBaseOffset: 0, assignedBaseOffset: 0), [.produce(gap), .deleteRecords(before: 100)])
        XCTAssertEqual(
            mirror.produceAcknowledged(expectedBaseOffset: 100, assignedBaseOffset: 100), [.produce(try classifier.plan(batch))])
        XCTAssertEqual(mirror.deleteRecordsFailed(error: .policyViolation).count, 1)
        guard case .failed(let failure) = mirror.state else { return XCTFail("\(mirror.state)") }
        XCTAssertTrue(failure.message.contains("cleanup.policy=compact,delete"))
    }

    // MARK: Gaps, retention

    func testGapBetweenBatchesIsFilledAtExactlyTheMissingOffsets() throws {
        let first = try TestBatches.contiguous(base: 0, count: 3, codec: .snappy)
        let second = try TestBatches.contiguous(base: 10, count: 2, codec: .snappy)
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 12)
        XCTAssertEqual(
            mirror.fetched(from: 0, records: TestBatches.blob([first, second]), sourceHighWatermark: 12, sourceLogStart: 0),
            [.produce(try classifier.plan(first)), .waitForHighWatermark(from: 12)])
        let gap = mirror.produceAcknowledged(expectedBaseOffset: 0, assignedBaseOffset: 0)
        XCTAssertEqual(gap.count, 1)
        let filler = try XCTUnwrap(gap.first?.producedPlan)
        XCTAssertEqual(filler.kind, .fillers(.gap))
        XCTAssertEqual(filler.baseOffset, 3)
        XCTAssertEqual(filler.offsetCount, 7)
        try assertProducible(filler)
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 3, assignedBaseOffset: 3), [.produce(try classifier.plan(second))])
        XCTAssertEqual(mirror.fidelity, .filled)
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 10, assignedBaseOffset: 10), [])
        XCTAssertEqual(mirror.destinationLogEnd, 12)
        XCTAssertEqual(mirror.counters.fillerRecords, 7)
    }

    func testSourceRetentionLossIsFilledCountedAndReported() throws {
        var mirror = PartitionMirror()
        XCTAssertEqual(mirror.started(destinationLogEnd: 6, sourceLogStart: 0, sourceHighWatermark: 30), [.fetch(from: 6)])
        XCTAssertEqual(mirror.sourceOffsetOutOfRange(from: 6, sourceLogStart: 20, sourceHighWatermark: 30), [.fetch(from: 20)])
        let batch = try TestBatches.contiguous(base: 18, count: 12)  // 18...29: the batch holding the new log start
        let lost = try FillerBatches.make(from: 6, to: 18, reason: .sourceRetention)[0]
        XCTAssertEqual(
            mirror.fetched(from: 20, records: TestBatches.blob([batch]), sourceHighWatermark: 30, sourceLogStart: 20),
            [.reportSourceDataLoss(from: 6, to: 18), .produce(lost), .waitForHighWatermark(from: 30)])
        XCTAssertEqual(mirror.produceAcknowledged(expectedBaseOffset: 6, assignedBaseOffset: 6), [.produce(try classifier.plan(batch))])
        XCTAssertEqual(mirror.counters.offsetsLostToSourceRetention, 12)
        XCTAssertEqual(mirror.fidelity, .filled)
    }

    func testSourceRetentionLossFailsWhenConfiguredTo() {
        var configuration = PartitionMirror.Configuration()
        configuration.onSourceRetentionLoss = .fail
        var mirror = PartitionMirror(configuration: configuration)
        let actions = mirror.started(destinationLogEnd: 6, sourceLogStart: 20, sourceHighWatermark: 30)
        guard case .reportFailed(let failure) = actions.first else { return XCTFail("\(actions)") }
        XCTAssertEqual(failure.code, .sourceRetentionLoss(from: 6, to: 20))
    }

    // MARK: Transactions

    /// Each transaction (with anything interleaved) is buffered until its marker and
    /// handed over as one span; spans are replayed one at a time.
    func testTransactionsAreBufferedUntilTheirMarkerAndReplayedAsSpans() throws {
        let batches = try GoldenFetch.batches("f_fetch_v12_read_uncommitted_all")
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 12)
        let actions = mirror.fetched(
            from: 0, records: GoldenFetch.records("f_fetch_v12_read_uncommitted_all"), sourceHighWatermark: 12, sourceLogStart: 0)
        XCTAssertEqual(actions.count, 2)
        guard case .replayTransaction(let first) = actions[0] else { return XCTFail("\(actions)") }
        XCTAssertEqual(actions[1], .waitForHighWatermark(from: 12))
        XCTAssertEqual(first.baseOffset, 0)
        XCTAssertEqual(first.nextOffset, 4)
        XCTAssertEqual(first.plans, try plans(Array(batches[0...1])))
        XCTAssertTrue(first.isComplete)

        let second = mirror.transactionReplayed(destinationLogEnd: 4)
        guard case .replayTransaction(let span) = second.first else { return XCTFail("\(second)") }
        XCTAssertEqual(span.baseOffset, 4)
        XCTAssertEqual(span.nextOffset, 7)
        guard case .transactionMarker(let marker) = span.plans.last?.kind else { return XCTFail() }
        XCTAssertEqual(marker.type, .abort)
        XCTAssertEqual(mirror.destinationLogEnd, 4)
        XCTAssertEqual(mirror.fidelity, .records)

        let divergence = Divergence(offset: 4, reason: .transactionReplay(expected: 7, found: 8))
        XCTAssertEqual(mirror.transactionReplayed(destinationLogEnd: 8), [.reportDiverged(divergence)])
    }

    /// An open source transaction holds back what follows it, until its marker arrives.
    func testOpenTransactionHoldsBackLaterBatchesUntilTheMarker() throws {
        let all = try GoldenFetch.batches("f_fetch_v12_read_uncommitted_all")
        let plain = try TestBatches.contiguous(base: 11, count: 1)
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 10, sourceLogStart: 0, sourceHighWatermark: 12)
        // Offset 10: data of an open transaction; 11: another producer's plain batch.
        XCTAssertEqual(
            mirror.fetched(from: 10, records: TestBatches.blob([all[6], plain]), sourceHighWatermark: 12, sourceLogStart: 0),
            [.waitForHighWatermark(from: 12)])
        XCTAssertEqual(mirror.lag.bytes, all[6].sizeInBytes + plain.sizeInBytes)
        var marker = try RecordBatchBuilder.controlBatch(
            ControlRecord(type: .commit), producerId: 6, producerEpoch: 4, timestamp: TestBatches.baseTimestamp,
            baseOffset: 12)
        marker.setPartitionLeaderEpoch(0)
        let actions = mirror.fetched(from: 12, records: TestBatches.blob([marker]), sourceHighWatermark: 13, sourceLogStart: 0)
        guard case .replayTransaction(let span) = actions.first else { return XCTFail("\(actions)") }
        XCTAssertEqual(span.plans.map(\.baseOffset), [10, 11, 12])
        XCTAssertEqual(span.plans[1].kind, .passthrough)
    }

    /// A marker whose transaction's data the mirror never saw becomes a filler.
    func testOrphanMarkerBecomesAFiller() throws {
        let all = try GoldenFetch.batches("f_fetch_v12_read_uncommitted_all")
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 3, sourceLogStart: 0, sourceHighWatermark: 4)
        let actions = mirror.fetched(from: 3, records: TestBatches.blob([all[1]]), sourceHighWatermark: 4, sourceLogStart: 0)
        let filler = try XCTUnwrap(actions.first?.producedPlan)
        XCTAssertEqual(filler.kind, .fillers(.orphanMarker))
        XCTAssertEqual(filler.baseOffset, 3)
        XCTAssertEqual(filler.offsetCount, 1)
        try assertProducible(filler)
    }

    func testTransactionLargerThanTheBufferFails() throws {
        var configuration = PartitionMirror.Configuration()
        configuration.maxBufferedBytes = 100
        configuration.maxTransactionBytes = 100
        var mirror = PartitionMirror(configuration: configuration)
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 3)
        let data = try GoldenFetch.batches("f_fetch_v12_read_uncommitted_all")[0]
        let actions = mirror.fetched(from: 0, records: TestBatches.blob([data]), sourceHighWatermark: 3, sourceLogStart: 0)
        guard case .reportFailed(let failure) = actions.last else { return XCTFail("\(actions)") }
        XCTAssertEqual(failure.code, .transactionTooLarge(bytes: data.sizeInBytes))
    }

    // MARK: Flow control

    func testFetchAheadStopsAtTheBufferLimit() throws {
        var configuration = PartitionMirror.Configuration()
        configuration.maxBufferedBytes = 150
        var mirror = PartitionMirror(configuration: configuration)
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 100)
        let batches = try GoldenFetch.batches("c_fetch_v12_plain")  // 109 bytes each
        XCTAssertEqual(
            mirror.fetched(from: 0, records: GoldenFetch.records("c_fetch_v12_plain"), sourceHighWatermark: 100, sourceLogStart: 0),
            [.produce(try classifier.plan(batches[0]))])
        XCTAssertEqual(mirror.lag, MirrorLag(records: 100, bytes: 218))
        XCTAssertEqual(
            mirror.produceAcknowledged(expectedBaseOffset: 0, assignedBaseOffset: 0),
            [.produce(try classifier.plan(batches[1])), .fetch(from: 6)])
    }

    func testPartialBatchOnlyFailsWithAHint() {
        var mirror = PartitionMirror()
        _ = mirror.started(destinationLogEnd: 0, sourceLogStart: 0, sourceHighWatermark: 6)
        let whole = GoldenFetch.records("c_fetch_v12_plain")
        let actions = mirror.fetched(
            from: 0, records: whole.getSlice(at: whole.readerIndex, length: 50)!, sourceHighWatermark: 6, sourceLogStart: 0)
        guard case .reportFailed(let failure) = actions.first else { return XCTFail("\(actions)") }
        XCTAssertEqual(failure.code, .partialBatchOnly)
    }

    func testConfigurationValidationNamesTheKey() {
        var configuration = PartitionMirror.Configuration()
        configuration.maxInFlight = 6
        XCTAssertThrowsError(try configuration.validate()) { error in
            XCTAssertEqual((error as? PartitionMirror.ConfigurationError)?.key, "maxInFlight")
        }
        XCTAssertNoThrow(try PartitionMirror.Configuration().validate())
    }
}
