import KafkaProtocol
import NIOCore
import XCTest

@testable import Causeway

final class MirrorBatchClassifierTests: XCTestCase {
    let classifier = MirrorBatchClassifier()

    /// Every plain and idempotent CreateTime batch a real broker returned passes through
    /// untouched, and zeroing its baseOffset changes bytes 0..7 only.
    func testPlainAndIdempotentGoldenBatchesPassThroughWithIdenticalBytes() throws {
        var checked = 0
        for name in ["c_fetch_v12_plain", "c_fetch_v12_gzip", "c_fetch_v12_idem", "d_fetch_v12_SRC_from_A"] {
            for batch in try GoldenFetch.batches(name) {
                let plan = try classifier.plan(batch)
                XCTAssertEqual(plan.kind, .passthrough, "\(name) @\(batch.baseOffset)")
                XCTAssertEqual(plan.fidelity, .exact)
                XCTAssertEqual(plan.baseOffset, batch.baseOffset)
                XCTAssertEqual(plan.nextOffset, batch.nextOffset)
                XCTAssertEqual(plan.batch.bytes.allBytes, batch.bytes.allBytes)

                var request = ByteBuffer()
                request.writeImmutableBuffer(plan.batch.bytes)
                request.setRecordBatchBaseOffset(0, at: 0)
                XCTAssertEqual(Array(request.allBytes[8...]), Array(batch.bytes.allBytes[8...]))
                XCTAssertEqual(Array(request.allBytes[21...]), Array(batch.bytes.allBytes[21...]))
                checked += 1
            }
        }
        XCTAssertEqual(checked, 16)
        // The idempotent ones keep their producer fields: the destination dedups retries.
        let idempotent = try classifier.plan(try GoldenFetch.batches("c_fetch_v12_idem")[1])
        XCTAssertEqual(idempotent.sequencedProducer, ProducerKey(producerId: 4242, producerEpoch: 0))
    }

    /// A LogAppendTime batch becomes CreateTime with every record at the append time.
    func testLogAppendTimeBatchIsRewrittenAsCreateTimeAtTheAppendTime() throws {
        let golden = try GoldenFetch.batches("c_fetch_v12_logappendtime_topic")[0]
        let gzip = try TestBatches.make(
            base: 40, deltas: [0, 1, 2, 3], codec: .gzip, timestampType: .logAppendTime,
            maxTimestamp: TestBatches.baseTimestamp + 60_000)
        for source in [golden, gzip] {
            XCTAssertEqual(source.timestampType, .logAppendTime)
            let plan = try classifier.plan(source)
            XCTAssertEqual(plan.kind, .rewritten(BatchPlan.Rewrite(convertedLogAppendTime: true)))
            XCTAssertEqual(plan.fidelity, .records)
            try assertProducible(plan)
            let sent = plan.batch
            XCTAssertEqual(sent.timestampType, .createTime)
            XCTAssertEqual(sent.codec, source.codec)
            XCTAssertEqual(sent.maxTimestamp, source.maxTimestamp)
            XCTAssertEqual(sent.baseTimestamp, source.baseTimestamp)
            XCTAssertEqual(sent.lastOffsetDelta, source.lastOffsetDelta)
            XCTAssertEqual(sent.producerId, source.producerId)

            let before = try source.records(maxDecompressedSize: 1 << 20)
            let after = try sent.records(maxDecompressedSize: 1 << 20)
            XCTAssertEqual(after.count, before.count)
            for (old, new) in zip(before, after) {
                XCTAssertEqual(new.key, old.key)
                XCTAssertEqual(new.value, old.value)
                XCTAssertEqual(new.headers, old.headers)
                XCTAssertEqual(new.offsetDelta, old.offsetDelta)
                // What a consumer reads: the same timestamp, the source append time.
                XCTAssertEqual(new.timestamp(in: sent), old.timestamp(in: source))
                XCTAssertEqual(new.timestamp(in: sent), source.maxTimestamp)
            }
        }
    }

    /// Holes left by compaction get fillers at exactly the missing offsets; the records
    /// elsewhere, the codec and the producer fields are the source's.
    func testCompactedBatchGetsFillersAtExactlyTheMissingOffsets() throws {
        for codec in CompressionCodec.allCases {
            let source = try TestBatches.make(
                base: 100, deltas: [0, 3, 4, 7], lastOffsetDelta: 9, codec: codec, producerId: 7, producerEpoch: 2,
                baseSequence: 50)
            let plan = try classifier.plan(source)
            XCTAssertEqual(plan.kind, .rewritten(BatchPlan.Rewrite(filledOffsets: 6)), "\(codec)")
            XCTAssertEqual(plan.fidelity, .filled)
            XCTAssertEqual(plan.fillerCount, 6)
            XCTAssertEqual(plan.baseOffset, 100)
            XCTAssertEqual(plan.offsetCount, 10)
            try assertProducible(plan)
            let sent = plan.batch
            XCTAssertEqual(sent.lastOffsetDelta, 9)
            XCTAssertEqual(sent.recordCount, 10)
            XCTAssertEqual(sent.codec, codec)
            // Same sequence range as the source batch (baseSequence ... + lastOffsetDelta).
            XCTAssertEqual(sent.producerId, 7)
            XCTAssertEqual(sent.producerEpoch, 2)
            XCTAssertEqual(sent.baseSequence, 50)
            XCTAssertEqual(sent.maxTimestamp, source.maxTimestamp)

            let original = Dictionary(
                uniqueKeysWithValues: try source.records(maxDecompressedSize: 1 << 20).map { ($0.offsetDelta, $0) })
            for record in try sent.records(maxDecompressedSize: 1 << 20) {
                if let kept = original[record.offsetDelta] {
                    XCTAssertEqual(record, kept)
                } else {
                    XCTAssertTrue(FillerRecord.isFiller(record), "offset \(100 + Int64(record.offsetDelta))")
                    XCTAssertEqual(record.timestamp(in: sent), -1)
                    XCTAssertEqual(record.headers, [])
                }
            }
            XCTAssertEqual(
                try sent.records(maxDecompressedSize: 1 << 20).filter(FillerRecord.isFiller).map(\.offsetDelta),
                [1, 2, 5, 6, 8, 9])
        }
    }

    /// A batch the cleaner emptied (kept for producer state) becomes fillers over its range.
    func testEmptyBatchBecomesFillersOverItsWholeRange() throws {
        let source = try TestBatches.make(
            base: 20, deltas: [], lastOffsetDelta: 4, codec: .lz4, producerId: 9, producerEpoch: 0, baseSequence: 10)
        XCTAssertEqual(source.recordCount, 0)
        let plan = try classifier.plan(source)
        XCTAssertEqual(plan.kind, .rewritten(BatchPlan.Rewrite(filledOffsets: 5)))
        XCTAssertEqual(plan.offsetCount, 5)
        try assertProducible(plan)
        XCTAssertEqual(plan.batch.baseSequence, 10)
        XCTAssertTrue(try plan.batch.records(maxDecompressedSize: 1 << 20).allSatisfy(FillerRecord.isFiller))
    }

    /// A fetch from inside a batch (log start inside it): records from the position on.
    func testBatchStartingBeforeThePositionIsTrimmed() throws {
        let source = try GoldenFetch.batches("e_fetch_v12_from_3_after_delete_3")[0]  // 0...4
        let plan = try classifier.plan(source, from: 3)
        XCTAssertEqual(plan.kind, .rewritten(BatchPlan.Rewrite(trimmedOffsets: 3)))
        XCTAssertEqual(plan.fidelity, .records)
        XCTAssertEqual(plan.baseOffset, 3)
        XCTAssertEqual(plan.offsetCount, 2)
        try assertProducible(plan)
        let records = try plan.batch.records(maxDecompressedSize: 1 << 20)
        XCTAssertEqual(records.map { String(buffer: $0.key!) }, ["k3", "k4"])

        // Idempotent: the sequence moves with the dropped records.
        let idempotent = try TestBatches.make(
            base: 10, deltas: [0, 1, 2, 3], producerId: 5, producerEpoch: 0, baseSequence: Int32.max - 1)
        let trimmed = try classifier.plan(idempotent, from: 12)
        XCTAssertEqual(trimmed.batch.baseSequence, 0)  // Int32.max - 1 + 2 wraps to 0
        XCTAssertThrowsError(try classifier.plan(idempotent, from: 14))
    }

    /// Transactional data and markers are planned for the replay, with the marker type.
    func testTransactionalBatchesAndMarkersAreNotPassedThrough() throws {
        let plans = try GoldenFetch.batches("f_fetch_v12_read_uncommitted_all").map { try classifier.plan($0) }
        let producer = ProducerKey(producerId: 6, producerEpoch: 0)
        XCTAssertEqual(plans[0].kind, .transactionalData(TransactionalBatch(producer: producer)))
        let markers = plans.compactMap { plan -> (Int64, ControlRecord.ControlType, Int64)? in
            guard case .transactionMarker(let marker) = plan.kind else { return nil }
            return (plan.baseOffset, marker.type, marker.producer.producerId)
        }
        XCTAssertEqual(markers.map(\.0), [3, 6, 9, 11])
        XCTAssertEqual(markers.map(\.1), [.commit, .abort, .commit, .commit])
        XCTAssertEqual(Set(markers.map(\.2)), [6])
        XCTAssertTrue(plans.allSatisfy { $0.isTransactional && $0.fidelity == .records })
        XCTAssertEqual(plans.map(\.offsetCount).reduce(0, +), 12)
    }

    /// A transactional batch with holes keeps its transactional bit and gets fillers.
    func testTransactionalBatchWithHolesIsFilled() throws {
        let source = try TestBatches.make(
            base: 0, deltas: [0, 2], lastOffsetDelta: 2, codec: .zstd, producerId: 3, producerEpoch: 1, baseSequence: 0,
            isTransactional: true)
        let plan = try classifier.plan(source)
        XCTAssertEqual(
            plan.kind,
            .transactionalData(TransactionalBatch(producer: ProducerKey(producerId: 3, producerEpoch: 1), filledOffsets: 1)))
        XCTAssertTrue(plan.batch.isTransactional)
        try assertProducible(plan)
    }

    func testStrippingTheProducerKeepsTheRecords() throws {
        let source = try GoldenFetch.batches("c_fetch_v12_idem")[1]
        let stripped = classifier.strippingProducer(try classifier.plan(source))
        XCTAssertEqual(stripped.kind, .rewritten(BatchPlan.Rewrite(strippedProducer: true)))
        XCTAssertEqual(stripped.fidelity, .records)
        XCTAssertEqual(stripped.batch.producerId, -1)
        XCTAssertEqual(stripped.batch.producerEpoch, -1)
        XCTAssertEqual(stripped.batch.baseSequence, -1)
        XCTAssertNoThrow(try stripped.batch.verifyCRC())
        XCTAssertEqual(stripped.batch.recordsSection.allBytes, source.recordsSection.allBytes)
        XCTAssertNil(stripped.sequencedProducer)
        // The source bytes are not touched (copy on write).
        XCTAssertEqual(source.producerId, 4242)
    }
}
