import NIOCore
import XCTest

@testable import KafkaProtocol

/// Bad input: every case is a typed error naming the batch's base offset, never a crash.
final class RecordBatchErrorTests: XCTestCase {
    private let baseOffset: Int64 = 7_777

    // MARK: Helpers

    /// A batch header written by hand around `section`, with a valid CRC, so that the
    /// error under test comes from the records and not from the checksum.
    private func batch(
        section: [UInt8], count: Int32, codec: CompressionCodec = .none, magic: Int8 = 2, attributes: Int16? = nil
    ) -> ByteBuffer {
        var bytes = ByteBuffer()
        bytes.writeInteger(baseOffset)
        bytes.writeInteger(Int32(49 + section.count))
        bytes.writeInteger(Int32(0))
        bytes.writeInteger(magic)
        bytes.writeInteger(UInt32(0))
        bytes.writeInteger(attributes ?? codec.rawValue)
        bytes.writeInteger(max(0, count - 1))
        bytes.writeInteger(Int64(1000))
        bytes.writeInteger(Int64(1000))
        bytes.writeInteger(Int64(-1))
        bytes.writeInteger(Int16(-1))
        bytes.writeInteger(Int32(-1))
        bytes.writeInteger(count)
        bytes.writeBytes(section)
        bytes.setInteger(CRC32C.checksum(bytes, at: 21, length: bytes.readableBytes - 21)!, at: 17)
        return bytes
    }

    /// One record, hand-encoded: `body` is everything after the length prefix.
    private func record(body: [UInt8], length: Int32? = nil) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeVarint(length ?? Int32(body.count))
        buffer.writeBytes(body)
        return buffer.bytes
    }

    /// attributes 0, timestampDelta 0, offsetDelta `delta`, key "k", value "v", no headers.
    private func simpleBody(delta: Int32) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(Int8(0))
        buffer.writeVarlong(0)
        buffer.writeVarint(delta)
        buffer.writeVarint(1)
        buffer.writeString("k")
        buffer.writeVarint(1)
        buffer.writeString("v")
        buffer.writeVarint(0)
        return buffer.bytes
    }

    private func assertError(
        _ body: @autoclosure () throws -> Any, batchOffset: Int64?, file: StaticString = #filePath, line: UInt = #line,
        _ check: (KafkaProtocolError.Kind) -> Bool
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let error = error as? KafkaProtocolError else {
                return XCTFail("not a KafkaProtocolError: \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.batchBaseOffset, batchOffset, "\(error)", file: file, line: line)
            XCTAssertTrue(check(error.kind), "unexpected \(error)", file: file, line: line)
            XCTAssertFalse(error.description.isEmpty)
        }
    }

    private func isCorrupt(_ text: String) -> (KafkaProtocolError.Kind) -> Bool {
        { kind in
            if case .corruptBatch(let message) = kind { return message.contains(text) }
            return false
        }
    }

    // MARK: Header and length

    func testTruncatedHeader() {
        let good = batch(section: record(body: simpleBody(delta: 0)), count: 1)
        for keep in [0, 5, 7] {
            assertError(try RecordBatch(validating: good.getSlice(at: 0, length: keep)!), batchOffset: nil) {
                if case .truncated = $0 { return true } else { return false }
            }
        }
        // From 8 bytes on, the base offset is known and named.
        for keep in [8, 11, 12, 16, 17, 60, good.readableBytes - 1] {
            assertError(try RecordBatch(validating: good.getSlice(at: 0, length: keep)!), batchOffset: baseOffset) {
                if case .truncated = $0 { return true } else { return false }
            }
        }
    }

    func testBatchLengthNegativeTooSmallHugeOrShort() throws {
        for length: Int32 in [-1, Int32.min, 0, 48] {
            var bytes = batch(section: [], count: 0)
            bytes.setInteger(length, at: 8)
            assertError(try RecordBatch(validating: bytes), batchOffset: baseOffset, isCorrupt("below the minimum"))
            assertError(try RecordBatchSequence(bytes).split(), batchOffset: baseOffset, isCorrupt("below the minimum"))
        }

        // Longer than the buffer: an error for one batch, a partial trailing batch in a Fetch.
        var huge = batch(section: [], count: 0)
        huge.setInteger(Int32.max, at: 8)
        assertError(try RecordBatch(validating: huge), batchOffset: baseOffset) {
            if case .truncated = $0 { return true } else { return false }
        }
        let (batches, truncated) = try RecordBatchSequence(huge).split()
        XCTAssertEqual(batches.count, 0)
        XCTAssertEqual(truncated, huge.readableBytes)

        // Shorter than the buffer: bytes left over after the batch.
        var extra = batch(section: [], count: 0)
        extra.writeBytes([0, 0, 0])
        assertError(try RecordBatch(validating: extra), batchOffset: baseOffset, isCorrupt("the buffer holds"))
    }

    func testLegacyAndUnknownMagic() {
        for magic: Int8 in [0, 1, 3, -1] {
            let bytes = batch(section: [], count: 0, magic: magic)
            assertError(try RecordBatch(validating: bytes), batchOffset: baseOffset) { $0 == .unsupportedMagic(magic) }
            assertError(try RecordBatchSequence(bytes).split(), batchOffset: baseOffset) { $0 == .unsupportedMagic(magic) }
        }
        let legacy = KafkaProtocolError(.unsupportedMagic(1), batchBaseOffset: baseOffset)
        XCTAssertTrue(legacy.description.contains("legacy message set"), legacy.description)
    }

    func testUndefinedCodecBits() {
        for codecBits: Int16 in [5, 6, 7, 0x35] {
            let bytes = batch(section: [], count: 0, attributes: codecBits)
            assertError(try RecordBatch(validating: bytes), batchOffset: baseOffset, isCorrupt("no compression codec"))
        }
    }

    func testCRCMismatch() throws {
        var bytes = batch(section: record(body: simpleBody(delta: 0)), count: 1)
        let stored = bytes.getInteger(at: 17, as: UInt32.self)!
        bytes.setInteger(UInt8(ascii: "x"), at: bytes.writerIndex - 3)  // the value "v" -> "x"
        let parsed = try RecordBatch(validating: bytes)
        assertError(try parsed.verifyCRC(), batchOffset: baseOffset) {
            if case .crcMismatch(let s, let computed) = $0 { return s == stored && computed != stored }
            return false
        }
    }

    // MARK: Record count

    func testCountDisagreeingWithRecords() throws {
        let two = record(body: simpleBody(delta: 0)) + record(body: simpleBody(delta: 1))
        for codec in CompressionCodec.allCases {
            let section = try codec.compress(ByteBuffer(bytes: two)).bytes
            let tooMany = try RecordBatch(validating: batch(section: section, count: 3, codec: codec))
            assertError(try tooMany.records(maxDecompressedSize: 1 << 10), batchOffset: baseOffset, isCorrupt("batch says 3 records, found 2"))
            let tooFew = try RecordBatch(validating: batch(section: section, count: 1, codec: codec))
            assertError(try tooFew.records(maxDecompressedSize: 1 << 10), batchOffset: baseOffset, isCorrupt("batch says 1 records, found more"))
            let negative = try RecordBatch(validating: batch(section: section, count: -1, codec: codec))
            assertError(try negative.records(maxDecompressedSize: 1 << 10), batchOffset: baseOffset, isCorrupt("negative record count"))
            let exact = try RecordBatch(validating: batch(section: section, count: 2, codec: codec))
            XCTAssertEqual(try exact.records(maxDecompressedSize: 1 << 10).count, 2)
        }
        // A count far beyond the bytes: no huge allocation, just the error.
        let absurd = try RecordBatch(validating: batch(section: two, count: Int32.max))
        assertError(try absurd.records(maxDecompressedSize: 1 << 10), batchOffset: baseOffset, isCorrupt("found 2"))
    }

    // MARK: Compressed section

    func testCorruptCompressedSection() throws {
        let plain = ByteBuffer(bytes: (0..<50).flatMap { record(body: simpleBody(delta: Int32($0))) })
        for codec in [CompressionCodec.gzip, .snappy, .lz4, .zstd] {
            var section = try codec.compress(plain).bytes
            section[1] ^= 0xFF
            let damaged = try RecordBatch(validating: batch(section: section, count: 50, codec: codec))
            assertError(try damaged.records(maxDecompressedSize: 1 << 20), batchOffset: baseOffset) {
                if case .compression(let name, _) = $0 { return name == codec.name } else { return false }
            }
            let truncated = try RecordBatch(validating: batch(section: Array(section.prefix(section.count / 2)), count: 50, codec: codec))
            assertError(try truncated.records(maxDecompressedSize: 1 << 20), batchOffset: baseOffset) {
                if case .compression = $0 { return true } else { return false }
            }
        }
    }

    func testDecompressionLimitPerBatch() throws {
        var builder = RecordBatchBuilder(baseTimestamp: 0, codec: .zstd, baseOffset: baseOffset)
        builder.append(key: nil, value: ByteBuffer(repeating: 0, count: 1 << 20))
        let bomb = try builder.build()
        XCTAssertLessThan(bomb.sizeInBytes, 1000)
        assertError(try bomb.records(maxDecompressedSize: 64 * 1024), batchOffset: baseOffset) {
            if case .compression(_, let message) = $0 { return message.contains("limit") } else { return false }
        }
    }

    // MARK: Records

    func testRecordLengthLying() throws {
        let body = simpleBody(delta: 0)
        let cases: [([UInt8], String)] = [
            (record(body: body, length: 100), "runs past the end of the records"),
            (record(body: body + [0, 0], length: Int32(body.count + 2)), "its fields take \(body.count) bytes"),
            (record(body: Array(body.dropLast(1)), length: Int32(body.count - 1)), "shorter than its fields"),
            (record(body: Array(body.dropLast(2)), length: Int32(body.count - 2)), "value length 1 runs past the end of the record"),
            (record(body: body, length: -5), "record length -5 is negative"),
        ]
        for (section, message) in cases {
            let parsed = try RecordBatch(validating: batch(section: section, count: 1))
            assertError(try parsed.records(maxDecompressedSize: 1 << 10), batchOffset: baseOffset, isCorrupt(message))
        }
    }

    func testVarintOverflow() throws {
        // An offsetDelta varint of six bytes (at most five are allowed for 32 bits).
        let overlongDelta = [UInt8(0), 0] + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01] + [2, 0x6B, 2, 0x76, 0]
        // A timestampDelta varlong of eleven bytes.
        let overlongTimestamp = [UInt8(0)] + [UInt8](repeating: 0xFF, count: 10) + [0x01, 0, 2, 0x6B, 2, 0x76, 0]
        for body in [overlongDelta, overlongTimestamp] {
            let parsed = try RecordBatch(validating: batch(section: record(body: body), count: 1))
            assertError(try parsed.records(maxDecompressedSize: 1 << 10), batchOffset: baseOffset) { $0 == .malformedVarint }
        }
        // The record length itself.
        let parsed = try RecordBatch(validating: batch(section: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], count: 1))
        assertError(try parsed.records(maxDecompressedSize: 1 << 10), batchOffset: baseOffset) { $0 == .malformedVarint }
    }

    func testInvalidFieldLengths() throws {
        func body(key: Int32, headerCount: Int32 = 0, headers: [UInt8] = []) -> [UInt8] {
            var buffer = ByteBuffer()
            buffer.writeInteger(Int8(0))
            buffer.writeVarlong(0)
            buffer.writeVarint(0)
            buffer.writeVarint(key)
            if key > 0 { buffer.writeRepeatingByte(0x6B, count: Int(key)) }
            buffer.writeVarint(-1)
            buffer.writeVarint(headerCount)
            buffer.writeBytes(headers)
            return buffer.bytes
        }
        let cases: [([UInt8], (KafkaProtocolError.Kind) -> Bool)] = [
            (body(key: -2), isCorrupt("key length -2 is negative")),
            ([0, 0, 0, 100, 0x6B, 0x6B, 0x6B], isCorrupt("key length 50 runs past the end of the record")),
            (body(key: 1, headerCount: -1), isCorrupt("invalid header count -1")),
            (body(key: 1, headerCount: 40, headers: [2, 0x61, 0]), isCorrupt("invalid header count 40")),
            (body(key: 1, headerCount: 1, headers: [1, 1]), isCorrupt("header key is null")),  // varint 1 = -1
            (body(key: 1, headerCount: 1, headers: [2, 0xFF, 1]), { $0 == .invalidUTF8 }),
            (body(key: 1, headerCount: 1, headers: [2, 0x61, 3]), isCorrupt("header value length -2 is negative")),
        ]
        for (recordBody, check) in cases {
            let parsed = try RecordBatch(validating: batch(section: record(body: recordBody), count: 1))
            assertError(try parsed.records(maxDecompressedSize: 1 << 10), batchOffset: baseOffset, check)
        }
    }

    func testControlRecordErrors() throws {
        let data = try RecordBatch(validating: batch(section: record(body: simpleBody(delta: 0)), count: 1))
        assertError(try data.controlRecords(), batchOffset: baseOffset, isCorrupt("not a control batch"))

        // Key "k" (one byte) where a marker needs version + type.
        let control = try RecordBatch(validating: batch(section: record(body: simpleBody(delta: 0)), count: 1, attributes: 0x30))
        assertError(try control.controlRecords(), batchOffset: baseOffset, isCorrupt("control record key has 1 bytes"))
    }

    /// Random damage to real batches never crashes: each attempt parses or throws.
    func testRandomDamageNeverCrashes() throws {
        var generator = SplitMix64(seed: 42)
        for fixture in FetchedRecords.all {
            let records = fixture.records
            for _ in 0..<200 {
                var damaged = records
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let index = Int.random(in: 0..<damaged.readableBytes, using: &generator)
                    damaged.setInteger(UInt8.random(in: 0...255, using: &generator), at: index)
                }
                var iterator = RecordBatchSequence(damaged).makeIterator()
                while let batch = try? iterator.next() {
                    _ = try? batch.verifyCRC()
                    _ = try? batch.records(maxDecompressedSize: 1 << 16)
                }
            }
        }
    }
}
