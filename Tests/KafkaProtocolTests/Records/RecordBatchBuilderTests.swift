import NIOCore
import XCTest

@testable import KafkaProtocol

final class RecordBatchBuilderTests: XCTestCase {
    private let timestamp: Int64 = 1_795_551_349_612

    private func sampleRecords() -> [Record] {
        [
            Record(key: ByteBuffer(string: "k0"), value: ByteBuffer(string: "v0"), offsetDelta: 0),
            Record(key: nil, value: ByteBuffer(string: "no key"), timestampDelta: 5, offsetDelta: 1),
            Record(key: ByteBuffer(string: "tombstone"), value: nil, timestampDelta: 2, offsetDelta: 2),
            Record(key: ByteBuffer(), value: ByteBuffer(), offsetDelta: 3),
            Record(
                key: ByteBuffer(string: "headers"), value: ByteBuffer(bytes: [UInt8].random(count: 3000, seed: 9)),
                headers: [
                    RecordHeader(key: "trace-id", value: ByteBuffer(string: "abc")),
                    RecordHeader(key: "null", value: nil),
                    RecordHeader(key: "ünïcødé ✓", value: ByteBuffer()),
                ],
                timestampDelta: -3, offsetDelta: 4, attributes: 0),
        ]
    }

    func testRoundTripForEveryCodecAndHeaderCombination() throws {
        let records = sampleRecords()
        for codec in CompressionCodec.allCases {
            for transactional in [false, true] {
                for timestampType in [TimestampType.createTime, .logAppendTime] {
                    for (producerId, epoch, sequence) in [(Int64(-1), Int16(-1), Int32(-1)), (4242, 3, 57), (Int64.max, Int16.max, Int32.max)] {
                        for deleteHorizon in [false, true] {
                            var builder = RecordBatchBuilder(
                                baseTimestamp: timestamp, codec: codec, baseOffset: 1_000_000_007, partitionLeaderEpoch: 17,
                                producerId: producerId, producerEpoch: epoch, baseSequence: sequence,
                                isTransactional: transactional, timestampType: timestampType)
                            builder.hasDeleteHorizon = deleteHorizon
                            records.forEach { builder.append($0) }
                            let built = try builder.build()
                            let context = "\(codec) txn=\(transactional) \(timestampType) pid=\(producerId) dh=\(deleteHorizon)"

                            let batch = try RecordBatch(validating: built.bytes)
                            XCTAssertNoThrow(try batch.verifyCRC(), context)
                            XCTAssertEqual(batch.baseOffset, 1_000_000_007, context)
                            XCTAssertEqual(batch.batchLength, Int32(batch.sizeInBytes - 12), context)
                            XCTAssertEqual(batch.partitionLeaderEpoch, 17, context)
                            XCTAssertEqual(batch.magic, 2, context)
                            XCTAssertEqual(batch.codec, codec, context)
                            XCTAssertEqual(batch.timestampType, timestampType, context)
                            XCTAssertEqual(batch.isTransactional, transactional, context)
                            XCTAssertFalse(batch.isControl, context)
                            XCTAssertEqual(batch.hasDeleteHorizon, deleteHorizon, context)
                            XCTAssertEqual(batch.lastOffsetDelta, 4, context)
                            XCTAssertEqual(batch.lastOffset, 1_000_000_011, context)
                            XCTAssertEqual(batch.nextOffset, 1_000_000_012, context)
                            XCTAssertEqual(batch.baseTimestamp, timestamp, context)
                            XCTAssertEqual(batch.maxTimestamp, timestamp + 5, context)
                            XCTAssertEqual(batch.producerId, producerId, context)
                            XCTAssertEqual(batch.producerEpoch, epoch, context)
                            XCTAssertEqual(batch.baseSequence, sequence, context)
                            XCTAssertEqual(batch.recordCount, 5, context)
                            XCTAssertEqual(try batch.records(maxDecompressedSize: 1 << 20), records, context)
                        }
                    }
                }
            }
        }
    }

    func testAbsoluteOffsetsAndTimestamps() throws {
        var builder = RecordBatchBuilder(baseTimestamp: 1000, baseOffset: 50)
        builder.append(key: nil, value: ByteBuffer(string: "a"), timestampDelta: 7)
        let createTime = try builder.build()
        let record = try createTime.records(maxDecompressedSize: 100)[0]
        XCTAssertEqual(record.offset(in: createTime), 50)
        XCTAssertEqual(record.timestamp(in: createTime), 1007)

        builder.timestampType = .logAppendTime
        builder.maxTimestamp = 99_999
        let logAppendTime = try builder.build()
        XCTAssertEqual(try logAppendTime.records(maxDecompressedSize: 100)[0].timestamp(in: logAppendTime), 99_999)
    }

    /// A compacted batch rebuilt with holes (or fillers) keeps its records at their
    /// original offset deltas; default deltas continue after the last one.
    func testExplicitOffsetDeltas() throws {
        for codec in CompressionCodec.allCases {
            var builder = RecordBatchBuilder(baseTimestamp: timestamp, codec: codec, baseOffset: 100)
            builder.append(key: ByteBuffer(string: "a"), value: nil, offsetDelta: 2)
            builder.append(key: ByteBuffer(string: "b"), value: nil, offsetDelta: 7)
            builder.append(key: ByteBuffer(string: "c"), value: nil)
            let batch = try builder.build()
            let records = try batch.records(maxDecompressedSize: 1 << 10)
            XCTAssertEqual(records.map(\.offsetDelta), [2, 7, 8])
            XCTAssertEqual(records.map { $0.offset(in: batch) }, [102, 107, 108])
            XCTAssertEqual(batch.lastOffsetDelta, 8)
            XCTAssertEqual(batch.recordCount, 3)
        }

        var defaults = RecordBatchBuilder(baseTimestamp: 0)
        for _ in 0..<4 { defaults.append(key: nil, value: nil) }
        XCTAssertEqual(defaults.records.map(\.offsetDelta), [0, 1, 2, 3])
    }

    func testDecreasingOffsetDeltasAreRejected() {
        var builder = RecordBatchBuilder(baseTimestamp: 0)
        builder.append(key: nil, value: nil, offsetDelta: 3)
        builder.append(key: nil, value: nil, offsetDelta: 3)
        XCTAssertThrowsError(try builder.build()) { error in
            guard case .unencodable = (error as? KafkaProtocolError)?.kind else { return XCTFail("\(error)") }
        }
        var negative = RecordBatchBuilder(baseTimestamp: 0)
        negative.append(key: nil, value: nil, offsetDelta: -1)
        XCTAssertThrowsError(try negative.build())
    }

    /// An empty batch, as compaction leaves behind: no records, but a lastOffsetDelta.
    func testEmptyBatch() throws {
        var builder = RecordBatchBuilder(baseTimestamp: timestamp, baseOffset: 10)
        builder.lastOffsetDelta = 4
        let batch = try builder.build()
        XCTAssertEqual(batch.sizeInBytes, RecordBatch.headerSize)
        XCTAssertEqual(batch.recordCount, 0)
        XCTAssertEqual(batch.lastOffset, 14)
        XCTAssertEqual(batch.maxTimestamp, timestamp)
        XCTAssertEqual(try batch.records(maxDecompressedSize: 0), [])
        XCTAssertNoThrow(try batch.verifyCRC())
    }

    /// The COMMIT marker of FINDINGS.md section f, as a Kafka 4.0 coordinator wrote it.
    func testControlBatchIsByteIdenticalToTheBrokers() throws {
        let expected = [UInt8](hex: """
            0000000000000003 00000042 00000000 02 d0a2ee25 0030 00000000 000001a20f3393db 000001a20f3393db \
            0000000000000006 0001 ffffffff 00000001 20 00 00 00 08 00000001 0c 000000000000 00
            """)
        XCTAssertEqual(expected.count, 78)
        let built = try RecordBatchBuilder.controlBatch(
            ControlRecord(type: .commit, coordinatorEpoch: 0), producerId: 6, producerEpoch: 1,
            timestamp: 0x1A2_0F33_93DB, baseOffset: 3, partitionLeaderEpoch: 0)
        XCTAssertEqual(built.bytes.bytes, expected)

        let parsed = try RecordBatch(validating: ByteBuffer(bytes: expected))
        XCTAssertTrue(parsed.isControl)
        XCTAssertTrue(parsed.isTransactional)
        XCTAssertNoThrow(try parsed.verifyCRC())
        XCTAssertEqual(try parsed.controlRecords(), [ControlRecord(type: .commit)])

        let abort = try RecordBatchBuilder.controlBatch(
            ControlRecord(type: .abort, coordinatorEpoch: 9), producerId: 6, producerEpoch: 2, timestamp: 5)
        let markers = try abort.controlRecords()
        XCTAssertEqual(markers.map(\.type), [.abort])
        XCTAssertEqual(markers.map(\.coordinatorEpoch), [9])
        XCTAssertEqual(abort.baseSequence, -1)
        XCTAssertEqual(abort.attributes.rawValue, 0x30)
    }

    /// Every marker the broker wrote in the transactions experiment rebuilds byte for byte.
    func testGoldenControlBatchesRebuildExactly() throws {
        var count = 0
        for fixture in FetchedRecords.all {
            for batch in try RecordBatchSequence(fixture.records).split().batches where batch.isControl {
                let rebuilt = try RecordBatchBuilder.controlBatch(
                    try batch.controlRecords()[0], producerId: batch.producerId, producerEpoch: batch.producerEpoch,
                    timestamp: batch.baseTimestamp, baseOffset: batch.baseOffset,
                    partitionLeaderEpoch: batch.partitionLeaderEpoch)
                XCTAssertEqual(rebuilt.bytes.hex, batch.bytes.hex, "\(fixture.case) at \(batch.baseOffset)")
                count += 1
            }
        }
        XCTAssertGreaterThan(count, 5)
    }

    func testAttributes() {
        var attributes = RecordBatchAttributes(codec: .lz4, timestampType: .logAppendTime, isTransactional: true)
        XCTAssertEqual(attributes.rawValue, 0x1B)
        attributes.isControl = true
        attributes.hasDeleteHorizon = true
        attributes.codec = .zstd
        attributes.timestampType = .createTime
        attributes.isTransactional = false
        XCTAssertEqual(attributes.rawValue, 0x64)
        XCTAssertEqual(RecordBatchAttributes(rawValue: 0x0180)?.codec, CompressionCodec.none)  // unused bits are kept
        XCTAssertEqual(RecordBatchAttributes(rawValue: 0x0180)?.rawValue, 0x0180)
        XCTAssertNil(RecordBatchAttributes(rawValue: 0x0006))
    }
}
