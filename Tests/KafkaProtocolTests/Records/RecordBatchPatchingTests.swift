import NIOCore
import XCTest

@testable import KafkaProtocol

final class RecordBatchPatchingTests: XCTestCase {
    private func goldenBatches() throws -> [RecordBatch] {
        try FetchedRecords.all.flatMap { try RecordBatchSequence($0.records).split().batches }
    }

    /// The mirror's passthrough rewrite: only bytes 0..7 change, and the CRC (not
    /// covering them) stays valid without being recomputed.
    func testBaseOffsetPatchTouchesOnlyTheFirstEightBytes() throws {
        for original in try goldenBatches() {
            var patched = original
            patched.setBaseOffset(0)
            XCTAssertEqual(patched.baseOffset, 0)
            XCTAssertEqual(Array(patched.bytes.bytes[8...]), Array(original.bytes.bytes[8...]))
            XCTAssertEqual(patched.crc, original.crc)
            XCTAssertNoThrow(try patched.verifyCRC())
        }
    }

    func testPartitionLeaderEpochPatchTouchesOnlyItsFourBytes() throws {
        for original in try goldenBatches() {
            var patched = original
            patched.setPartitionLeaderEpoch(-1)
            XCTAssertEqual(patched.partitionLeaderEpoch, -1)
            XCTAssertEqual(Array(patched.bytes.bytes[..<12]), Array(original.bytes.bytes[..<12]))
            XCTAssertEqual(Array(patched.bytes.bytes[16...]), Array(original.bytes.bytes[16...]))
            XCTAssertNoThrow(try patched.verifyCRC())
        }
    }

    /// Patching a buffer that is not shared writes in place: same storage, no copy.
    func testBaseOffsetPatchInAProduceBufferIsInPlace() throws {
        let batch = try RecordBatchSequence(FetchedRecords.named("d_fetch_v12_SRC_from_A").records).split().batches[4]
        var request = ByteBuffer()
        request.writeString("request header and partition prefix")
        let batchIndex = request.writerIndex
        request.writeImmutableBuffer(batch.bytes)
        let before = request.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }

        request.setRecordBatchBaseOffset(0, at: batchIndex)

        XCTAssertEqual(request.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }, before)
        let patched = try RecordBatch(validating: request.getSlice(at: batchIndex, length: batch.sizeInBytes)!)
        XCTAssertEqual(patched.baseOffset, 0)
        XCTAssertEqual(patched.bytes.getSlice(at: 8, length: batch.sizeInBytes - 8), batch.bytes.getSlice(at: 8, length: batch.sizeInBytes - 8))
        XCTAssertNoThrow(try patched.verifyCRC())
    }

    func testProducerPatchRecomputesTheCRC() throws {
        for original in try goldenBatches() {
            var patched = original
            patched.setProducerId(4242)
            XCTAssertEqual(patched.producerId, 4242)
            if original.producerId != 4242 { XCTAssertNotEqual(patched.crc, original.crc) }
            XCTAssertNoThrow(try patched.verifyCRC())
            // Everything else, records included, is unchanged.
            XCTAssertEqual(Array(patched.bytes.bytes[..<17]), Array(original.bytes.bytes[..<17]))
            XCTAssertEqual(Array(patched.bytes.bytes[51...]), Array(original.bytes.bytes[51...]))

            patched.setProducerEpoch(9)
            patched.setBaseSequence(77)
            patched.setMaxTimestamp(123)
            var attributes = original.attributes
            attributes.timestampType = .logAppendTime
            patched.setAttributes(attributes)
            XCTAssertEqual(patched.producerEpoch, 9)
            XCTAssertEqual(patched.baseSequence, 77)
            XCTAssertEqual(patched.maxTimestamp, 123)
            XCTAssertEqual(patched.timestampType, .logAppendTime)
            XCTAssertNoThrow(try patched.verifyCRC())
            XCTAssertEqual(try patched.records(maxDecompressedSize: 1 << 20), try original.records(maxDecompressedSize: 1 << 20))
        }
    }

    /// FINDINGS.md d: the experiment stripped transactional batches (bit 4 cleared,
    /// producer id/epoch/sequence -1, CRC recomputed, with kwire's patch_batch) and
    /// produced them to cluster B; B stored exactly the bytes it was sent. The same
    /// patch here must give B's bytes.
    func testStrippingATransactionalBatchGivesTheBytesTheBrokerStored() throws {
        let source = try RecordBatchSequence(FetchedRecords.named("d_fetch_v12_SRC_TXN_from_A").records).split().batches
        let destination = try RecordBatchSequence(FetchedRecords.named("d_fetch_v12_DST_TXN_from_B").records).split().batches
        let dataBatches = source.filter { !$0.isControl }
        XCTAssertEqual(dataBatches.count, destination.count)
        for (sourceBatch, storedBatch) in zip(dataBatches, destination) {
            var attributes = sourceBatch.attributes
            attributes.isTransactional = false
            var stripped = sourceBatch
            stripped.setHeader(attributes: attributes, producerId: -1, producerEpoch: -1, baseSequence: -1)
            XCTAssertEqual(Array(stripped.bytes.bytes[21...]), Array(storedBatch.bytes.bytes[21...]))
            XCTAssertEqual(stripped.crc, storedBatch.crc)
            // Each source marker took an offset B could not reproduce, hence the base offsets differ.
            stripped.setBaseOffset(storedBatch.baseOffset)
            XCTAssertEqual(stripped.bytes, storedBatch.bytes)
        }
    }

    /// The ByteBuffer form patches a batch where it lies in a larger buffer.
    func testPatchingInsideARecordsBuffer() throws {
        var records = FetchedRecords.named("d_fetch_v12_SRC_from_A").records
        let (batches, _) = try RecordBatchSequence(records).split()
        var index = records.readerIndex
        for batch in batches {
            try records.setRecordBatchHeader(at: index, producerId: 99, producerEpoch: 1, baseSequence: 0)
            records.setRecordBatchBaseOffset(0, at: index)
            index += batch.sizeInBytes
        }
        let patched = try RecordBatchSequence(records).split().batches
        XCTAssertEqual(patched.count, batches.count)
        for batch in patched {
            XCTAssertEqual(batch.baseOffset, 0)
            XCTAssertEqual(batch.producerId, 99)
            XCTAssertNoThrow(try batch.verifyCRC())
        }
        XCTAssertThrowsError(try records.setRecordBatchHeader(at: records.writerIndex - 10, producerId: 1))
        XCTAssertThrowsError(try records.setRecordBatchHeader(at: records.writerIndex + 10, producerId: 1))
    }
}
