import NIOCore
import XCTest

@testable import KafkaProtocol

/// Every record batch a real Kafka 4.0 broker returned in the conformance corpus:
/// none, gzip, snappy (raw from librdkafka, xerial from Java), lz4 and zstd, plain,
/// idempotent, transactional and control batches.
final class GoldenBatchTests: XCTestCase {
    func testCorpusCoversEveryCodecAndControlBatches() {
        let batches = FetchedRecords.all.flatMap(\.batches)
        XCTAssertGreaterThanOrEqual(batches.count, 60)
        XCTAssertEqual(Set(batches.map(\.compression)), ["none", "gzip", "snappy", "lz4", "zstd"])
        XCTAssertTrue(batches.contains(where: \.isControl))
        XCTAssertTrue(batches.contains(where: \.isTransactional))
    }

    func testEveryFetchedBatchParsesVerifiesAndDecodes() throws {
        var decodedBatches = 0
        for fixture in FetchedRecords.all {
            let (batches, truncated) = try RecordBatchSequence(fixture.records).split()
            XCTAssertEqual(batches.count, fixture.batches.count, fixture.case)
            XCTAssertEqual(truncated, fixture.partialBytes, fixture.case)
            for (batch, expected) in zip(batches, fixture.batches) {
                let context = "\(fixture.case) batch at \(expected.baseOffset)"
                assertHeader(batch, expected, context)
                XCTAssertNoThrow(try batch.verifyCRC(), context)
                XCTAssertEqual(batch.computeCRC(), expected.crc, context)

                let records = try batch.records(maxDecompressedSize: 1 << 20)
                XCTAssertEqual(records.count, Int(expected.recordCount), context)
                XCTAssertEqual(records.count, expected.records.count, context)
                for (record, want) in zip(records, expected.records) {
                    assertRecord(record, want, context)
                }
                if batch.isControl {
                    let markers = try batch.controlRecords()
                    XCTAssertEqual(markers.count, expected.records.count, context)
                    for (marker, want) in zip(markers, expected.records) {
                        XCTAssertEqual(marker.type.description, want.control?.type, context)
                        XCTAssertEqual(marker.keyVersion, want.control?.version, context)
                        XCTAssertEqual(marker.coordinatorEpoch, want.control?.coordinatorEpoch, context)
                    }
                }
                decodedBatches += 1
            }
        }
        XCTAssertEqual(decodedBatches, FetchedRecords.all.flatMap(\.batches).count)
    }

    /// Rebuilding a batch from its decoded records and header gives back the broker's
    /// bytes exactly when uncompressed, and the same records for every codec.
    func testRebuildingFetchedBatchesReproducesThem() throws {
        for fixture in FetchedRecords.all {
            for batch in try RecordBatchSequence(fixture.records).split().batches {
                var builder = RecordBatchBuilder(
                    baseTimestamp: batch.baseTimestamp, baseOffset: batch.baseOffset,
                    partitionLeaderEpoch: batch.partitionLeaderEpoch, producerId: batch.producerId,
                    producerEpoch: batch.producerEpoch, baseSequence: batch.baseSequence)
                builder.attributes = batch.attributes
                builder.maxTimestamp = batch.maxTimestamp
                builder.lastOffsetDelta = batch.lastOffsetDelta
                let records = try batch.records(maxDecompressedSize: 1 << 20)
                for record in records { builder.append(record) }
                let rebuilt = try builder.build()
                let context = "\(fixture.case) batch at \(batch.baseOffset) (\(batch.codec))"
                if batch.codec == .none {
                    XCTAssertEqual(rebuilt.bytes.hex, batch.bytes.hex, context)
                } else {
                    XCTAssertEqual(try rebuilt.records(maxDecompressedSize: 1 << 20), records, context)
                    XCTAssertNoThrow(try rebuilt.verifyCRC(), context)
                }
            }
        }
    }

    /// A broker cuts the last batch of a Fetch response at the size limit: every cut
    /// point yields the complete batches before it and reports the rest as skipped.
    func testEveryTruncationOfAFetchResponseStopsAtTheLastCompleteBatch() throws {
        let fixture = FetchedRecords.named("d_fetch_v12_SRC_from_A")
        let records = fixture.records
        let ends = fixture.batches.reduce(into: [Int]()) { ends, batch in
            ends.append((ends.last ?? 0) + RecordBatch.logOverhead + Int(batch.batchLength))
        }
        XCTAssertEqual(ends.last, records.readableBytes)
        for cut in 0...records.readableBytes {
            let (batches, truncated) = try RecordBatchSequence(records.getSlice(at: 0, length: cut)!).split()
            let complete = ends.filter { $0 <= cut }
            XCTAssertEqual(batches.count, complete.count, "cut at \(cut)")
            XCTAssertEqual(truncated, cut - (complete.last ?? 0), "cut at \(cut)")
        }
    }

    func testBatchesAreSlicesOfTheFetchedBuffer() throws {
        let records = FetchedRecords.named("d_fetch_v12_SRC_from_A").records
        var iterator = RecordBatchSequence(records).makeIterator()
        let base = records.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        var expectedStart = 0
        while let batch = try iterator.next() {
            let start = batch.bytes.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
            XCTAssertEqual(start, base + UInt(expectedStart), "batch at \(batch.baseOffset) was copied")
            expectedStart += batch.sizeInBytes
            XCTAssertEqual(iterator.position, expectedStart)
        }
        XCTAssertEqual(iterator.truncatedBytes, 0)
    }

    // MARK: Helpers

    private func assertHeader(_ batch: RecordBatch, _ expected: FetchedBatch, _ context: String) {
        XCTAssertEqual(batch.baseOffset, expected.baseOffset, context)
        XCTAssertEqual(batch.batchLength, expected.batchLength, context)
        XCTAssertEqual(batch.partitionLeaderEpoch, expected.partitionLeaderEpoch, context)
        XCTAssertEqual(batch.magic, expected.magic, context)
        XCTAssertEqual(batch.crc, expected.crc, context)
        XCTAssertEqual(batch.attributes.rawValue, expected.attributes, context)
        XCTAssertEqual(batch.lastOffsetDelta, expected.lastOffsetDelta, context)
        XCTAssertEqual(batch.baseTimestamp, expected.baseTimestamp, context)
        XCTAssertEqual(batch.maxTimestamp, expected.maxTimestamp, context)
        XCTAssertEqual(batch.producerId, expected.producerId, context)
        XCTAssertEqual(batch.producerEpoch, expected.producerEpoch, context)
        XCTAssertEqual(batch.baseSequence, expected.baseSequence, context)
        XCTAssertEqual(batch.recordCount, expected.recordCount, context)
        XCTAssertEqual(batch.codec.name, expected.compression, context)
        XCTAssertEqual(batch.timestampType.description, expected.timestampType, context)
        XCTAssertEqual(batch.isTransactional, expected.isTransactional, context)
        XCTAssertEqual(batch.isControl, expected.isControl, context)
        XCTAssertEqual(batch.lastOffset, expected.baseOffset + Int64(expected.lastOffsetDelta), context)
        XCTAssertEqual(batch.nextOffset, batch.lastOffset + 1, context)
        XCTAssertTrue(expected.crcValid, context)
    }

    private func assertRecord(_ record: Record, _ expected: FetchedRecord, _ context: String) {
        XCTAssertEqual(record.attributes, expected.attributes, context)
        XCTAssertEqual(record.timestampDelta, expected.timestampDelta, context)
        XCTAssertEqual(record.offsetDelta, expected.offsetDelta, context)
        XCTAssertEqual(record.key?.hex, expected.keyHex, context)
        XCTAssertEqual(record.value?.hex, expected.valueHex, context)
        XCTAssertEqual(record.headers.map(\.key), expected.headers.map(\.key), context)
        XCTAssertEqual(record.headers.map { $0.value?.hex }, expected.headers.map(\.valueHex), context)
    }
}
