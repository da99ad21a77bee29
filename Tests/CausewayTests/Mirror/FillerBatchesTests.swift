import KafkaProtocol
import NIOCore
import XCTest

@testable import Causeway

final class FillerBatchesTests: XCTestCase {
    /// Source log start 1,000,000: a handful of small compressed batches covering
    /// exactly [0, 1,000,000), each producible, every record the keyed tombstone.
    func testBootstrapOfAMillionOffsetsTakesAHandfulOfSmallBatches() throws {
        let plans = try FillerBatches.make(from: 0, to: 1_000_000, reason: .bootstrap)
        XCTAssertLessThanOrEqual(plans.count, 5)
        var next: Int64 = 0
        var totalBytes = 0
        for plan in plans {
            XCTAssertEqual(plan.baseOffset, next)
            XCTAssertEqual(plan.kind, .fillers(.bootstrap))
            XCTAssertEqual(plan.fidelity, .exact)
            XCTAssertEqual(plan.batch.codec, .zstd)
            XCTAssertEqual(plan.batch.producerId, -1)
            XCTAssertEqual(plan.batch.maxTimestamp, -1)
            XCTAssertLessThan(plan.batch.sizeInBytes, 1_048_588, "must fit the default max.message.bytes")
            XCTAssertNoThrow(try plan.batch.verifyCRC())
            XCTAssertEqual(plan.batch.recordCount, plan.batch.lastOffsetDelta + 1)
            XCTAssertEqual(Int64(plan.batch.recordCount), plan.offsetCount)
            next = plan.nextOffset
            totalBytes += plan.batch.sizeInBytes
        }
        XCTAssertEqual(next, 1_000_000)
        // One full batch decoded: every record the keyed tombstone, no timestamp, deltas 0..n-1.
        try assertProducible(plans[0])
        let records = try plans[0].batch.records(maxDecompressedSize: 1 << 28)
        XCTAssertTrue(records.allSatisfy(FillerRecord.isFiller))
        XCTAssertTrue(records.allSatisfy { $0.timestamp(in: plans[0].batch) == -1 && $0.headers.isEmpty })
        XCTAssertLessThan(totalBytes, 1 << 20)
    }

    /// The direct encoder writes what the generic builder writes, for every codec and
    /// across the varint size steps of the offset delta.
    func testFillerBatchIsByteIdenticalToTheBuilders() throws {
        for codec in CompressionCodec.allCases {
            for count in [1, 64, 65, 300, 8_193, 20_000] {
                var builder = RecordBatchBuilder(baseTimestamp: FillerRecord.timestamp, codec: codec, baseOffset: 42)
                for delta in 0..<Int32(count) {
                    builder.append(FillerRecord.record(offsetDelta: delta, baseTimestamp: FillerRecord.timestamp))
                }
                let expected = try builder.build()
                let actual = try FillerBatches.batch(baseOffset: 42, count: count, codec: codec)
                XCTAssertEqual(actual.bytes.allBytes, expected.bytes.allBytes, "\(codec), \(count) fillers")
            }
        }
    }

    func testFillersCoverExactlyTheRangeWithTheCap() throws {
        let plans = try FillerBatches.make(from: 7, to: 30, reason: .gap, maxRecordsPerBatch: 10, codec: .none)
        XCTAssertEqual(plans.map(\.baseOffset), [7, 17, 27])
        XCTAssertEqual(plans.map(\.offsetCount), [10, 10, 3])
        XCTAssertTrue(plans.allSatisfy { $0.fidelity == .filled })
        for plan in plans { try assertProducible(plan) }
        XCTAssertEqual(try FillerBatches.make(from: 5, to: 5, reason: .gap), [])
        XCTAssertEqual(FillerRecord.key.readableBytes, 17)
    }
}
