import NIOCore
import XCTest

@testable import KafkaProtocol

final class CompressionCodecTests: XCTestCase {
    private let compressed: [CompressionCodec] = [.gzip, .snappy, .lz4, .zstd]

    private static let inputs: [(String, ByteBuffer)] = [
        ("empty", ByteBuffer()),
        ("one byte", ByteBuffer(bytes: [0x42])),
        ("1 MiB random", ByteBuffer(bytes: [UInt8].random(count: 1 << 20, seed: 7))),
        ("1 MiB compressible", ByteBuffer(bytes: (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 / 1000) })),
        ("100 KiB + 1 of one byte", ByteBuffer(repeating: 0x61, count: 100 * 1024 + 1)),
    ]

    func testNamesRawValuesAndAttributeBits() {
        XCTAssertEqual(CompressionCodec.allCases.map(\.name), ["none", "gzip", "snappy", "lz4", "zstd"])
        XCTAssertEqual(CompressionCodec.allCases.map(\.rawValue), [0, 1, 2, 3, 4])
        XCTAssertEqual(CompressionCodec(attributes: 0x0034), .zstd)  // control + transactional + zstd
        XCTAssertEqual(CompressionCodec(attributes: 0x0009), .gzip)  // LogAppendTime + gzip
        XCTAssertNil(CompressionCodec(attributes: 0x0005))
        XCTAssertNil(CompressionCodec(attributes: 0x0007))
    }

    func testRoundTrips() throws {
        for codec in CompressionCodec.allCases {
            for (name, input) in Self.inputs {
                let packed = try codec.compress(input)
                let unpacked = try codec.decompress(packed, maxDecompressedSize: input.readableBytes)
                XCTAssertEqual(unpacked, input, "\(codec) \(name)")
                if name.contains("compressible") && codec != .none {
                    XCTAssertLessThan(packed.readableBytes, input.readableBytes / 10, "\(codec) \(name)")
                }
            }
        }
    }

    /// The layouts Kafka's Java client writes (and reads).
    func testWireLayouts() throws {
        let input = ByteBuffer(bytes: [UInt8].random(count: 100_000, seed: 3))
        XCTAssertEqual(Array(try CompressionCodec.gzip.compress(input).bytes.prefix(3)), [0x1F, 0x8B, 0x08])
        // LZ4 frame: magic, FLG 0x60 (version 1, independent blocks, no checksums or size),
        // BD 0x40 (64 KiB blocks), header checksum 0x82: the same bytes as Kafka's Lz4BlockOutputStream.
        XCTAssertEqual(Array(try CompressionCodec.lz4.compress(input).bytes.prefix(7)), [0x04, 0x22, 0x4D, 0x18, 0x60, 0x40, 0x82])
        XCTAssertEqual(Array(try CompressionCodec.zstd.compress(input).bytes.prefix(4)), [0x28, 0xB5, 0x2F, 0xFD])

        // xerial: magic, version 1, compatible 1, then [int32 length][snappy block] per 32 KiB of input.
        var snappy = try CompressionCodec.snappy.compress(input)
        XCTAssertEqual(snappy.readBytes(length: 8), [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00])
        XCTAssertEqual(snappy.readInteger(as: Int32.self), 1)
        XCTAssertEqual(snappy.readInteger(as: Int32.self), 1)
        var blocks = 0
        while let length = snappy.readInteger(as: Int32.self) {
            var block = snappy.readSlice(length: Int(length))!
            // A raw block starts with its uncompressed length as a varint.
            let uncompressed = try block.readUnsignedVarint()
            XCTAssertEqual(Int(uncompressed), min(32 * 1024, 100_000 - blocks * 32 * 1024))
            blocks += 1
        }
        XCTAssertEqual(blocks, 4)
    }

    /// librdkafka (kcat) writes snappy as one raw block with no xerial framing.
    func testSnappyReadsARawBlock() throws {
        // varint length 5, literal tag ((5 - 1) << 2), "hello"
        let raw = ByteBuffer(bytes: [0x05, 0x10] + Array("hello".utf8))
        XCTAssertEqual(try CompressionCodec.snappy.decompress(raw, maxDecompressedSize: 5), ByteBuffer(string: "hello"))
    }

    /// Java's GZIPInputStream, and so Kafka, reads concatenated members as one stream;
    /// LZ4 and zstd decoders go on to a next frame the same way.
    func testConcatenatedStreams() throws {
        for codec in [CompressionCodec.gzip, .snappy, .lz4, .zstd] {
            var joined = try codec.compress(ByteBuffer(string: "first,"))
            var second = try codec.compress(ByteBuffer(string: "second"))
            joined.writeBuffer(&second)
            XCTAssertEqual(try codec.decompress(joined, maxDecompressedSize: 100), ByteBuffer(string: "first,second"), "\(codec)")
        }
    }

    /// Like Java's GZIPInputStream: bytes after a member that do not start another one are ignored.
    func testGzipIgnoresTrailingBytesThatAreNotAMember() throws {
        var packed = try CompressionCodec.gzip.compress(ByteBuffer(string: "payload"))
        packed.writeBytes([0, 0, 0, 0])
        XCTAssertEqual(try CompressionCodec.gzip.decompress(packed, maxDecompressedSize: 7), ByteBuffer(string: "payload"))
        // Bytes that start like another member but are cut short are an error.
        var second = try CompressionCodec.gzip.compress(ByteBuffer(string: "payload"))
        second.writeBytes([0x1F, 0x8B])
        XCTAssertThrowsError(try CompressionCodec.gzip.decompress(second, maxDecompressedSize: 100))
    }

    func testDecompressionBombIsRejected() throws {
        let bomb = ByteBuffer(repeating: 0, count: 10 << 20)
        for codec in CompressionCodec.allCases {
            let packed = try codec.compress(bomb)
            XCTAssertEqual(try codec.decompress(packed, maxDecompressedSize: 10 << 20).readableBytes, 10 << 20, "\(codec)")
            for limit in [0, 1, 1 << 20, (10 << 20) - 1] {
                XCTAssertThrowsError(try codec.decompress(packed, maxDecompressedSize: limit), "\(codec) limit \(limit)") {
                    assertCompressionError($0, codec, containing: "limit of \(limit) bytes")
                }
            }
        }
    }

    func testTruncatedInputIsAnError() throws {
        let input = ByteBuffer(bytes: [UInt8].random(count: 70_000, seed: 5) + [UInt8](repeating: 1, count: 70_000))
        for codec in compressed {
            let packed = try codec.compress(input)
            for keep in [0, 1, 4, 10, 20, packed.readableBytes / 2, packed.readableBytes - 4, packed.readableBytes - 1] {
                let cut = packed.getSlice(at: packed.readerIndex, length: keep)!
                XCTAssertThrowsError(try codec.decompress(cut, maxDecompressedSize: 1 << 20), "\(codec) keeping \(keep)") {
                    assertCompressionError($0, codec)
                }
            }
        }
    }

    func testCorruptInputIsAnErrorNotACrash() throws {
        let garbage = ByteBuffer(bytes: [UInt8].random(count: 4096, seed: 11))
        for codec in compressed {
            XCTAssertThrowsError(try codec.decompress(garbage, maxDecompressedSize: 1 << 20), "\(codec) garbage") {
                assertCompressionError($0, codec)
            }
        }

        // A damaged header or stream structure is always detected.
        let input = ByteBuffer(bytes: (0..<50_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        for codec in compressed {
            var packed = try codec.compress(input)
            packed.setInteger(packed.getInteger(at: 1, as: UInt8.self)! ^ 0xFF, at: 1)
            XCTAssertThrowsError(try codec.decompress(packed, maxDecompressedSize: 1 << 20), "\(codec) header") {
                assertCompressionError($0, codec)
            }
        }

        // Damage anywhere else: LZ4 and zstd frames written without content checksums (as
        // Kafka's are) may decode to different bytes; what matters is no crash and no
        // output past the limit.
        for codec in compressed {
            let packed = try codec.compress(input)
            for position in stride(from: 0, to: packed.readableBytes, by: max(1, packed.readableBytes / 200)) {
                var damaged = packed
                damaged.setInteger(damaged.getInteger(at: position, as: UInt8.self)! ^ 0x5A, at: position)
                do {
                    let output = try codec.decompress(damaged, maxDecompressedSize: 60_000)
                    XCTAssertLessThanOrEqual(output.readableBytes, 60_000)
                } catch {
                    assertCompressionError(error, codec)
                }
            }
        }
    }

    func testSnappyXerialFramingErrors() throws {
        let header: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]
        let snappy = CompressionCodec.snappy
        XCTAssertEqual(try snappy.decompress(ByteBuffer(bytes: header), maxDecompressedSize: 0).readableBytes, 0)
        for bad in [
            Array(header.prefix(12)),  // header cut short
            header + [0, 0],  // block length cut short
            header + [0xFF, 0xFF, 0xFF, 0xFF],  // negative block length
            header + [0, 0, 0, 9, 0x05, 0x10],  // block longer than what is left
            header + [0, 0, 0, 5, 0x05, 0x10] + Array("hel".utf8),  // the literal runs past the block
        ] {
            XCTAssertThrowsError(try snappy.decompress(ByteBuffer(bytes: bad), maxDecompressedSize: 100), "\(bad)") {
                assertCompressionError($0, snappy)
            }
        }
    }

    /// The compressed sections of the broker's batches decode with every codec.
    func testGoldenCompressedSectionsDecompress() throws {
        var seen = Set<CompressionCodec>()
        for fixture in FetchedRecords.all {
            for batch in try RecordBatchSequence(fixture.records).split().batches where batch.codec != .none {
                let plain = try batch.codec.decompress(batch.recordsSection, maxDecompressedSize: 1 << 20)
                XCTAssertGreaterThan(plain.readableBytes, 0)
                seen.insert(batch.codec)
            }
        }
        XCTAssertEqual(seen, [.gzip, .snappy, .lz4, .zstd])
    }

    private func assertCompressionError(
        _ error: Error, _ codec: CompressionCodec, containing text: String? = nil, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        guard let error = error as? KafkaProtocolError, case .compression(let name, let message) = error.kind else {
            return XCTFail("expected a compression error, got \(error)", file: file, line: line)
        }
        XCTAssertEqual(name, codec.name, file: file, line: line)
        if let text {
            XCTAssertTrue(message.contains(text), "\(message)", file: file, line: line)
        }
    }
}
