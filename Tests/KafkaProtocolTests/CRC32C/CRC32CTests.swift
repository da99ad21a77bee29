import NIOCore
import XCTest

@testable import KafkaProtocol

final class CRC32CTests: XCTestCase {
    private func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { CRC32C.checksum($0) }
    }

    /// RFC 3720 appendix B.4 vectors and the "123456789" check value.
    func testPublishedVectors() {
        XCTAssertEqual(crc([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(crc([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(crc(Array(0...31)), 0x46DD_794E)
        XCTAssertEqual(crc(Array((0...31).reversed())), 0x113F_DB5C)
        XCTAssertEqual(crc(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(crc([]), 0)
    }

    func testImplementationName() {
        #if arch(x86_64)
        XCTAssertTrue(["sse4.2", "portable"].contains(CRC32C.implementation))
        #elseif arch(arm64)
        XCTAssertTrue(["armv8-crc", "portable"].contains(CRC32C.implementation))
        #else
        XCTAssertEqual(CRC32C.implementation, "portable")
        #endif
    }

    /// Every length 0..300 at every alignment 0..7: covers the byte-wise head and tail
    /// and the 8-byte loop of both implementations.
    func testDispatchedMatchesPortableForSmallInputs() {
        let bytes = [UInt8].random(count: 300 + 8, seed: 1)
        bytes.withUnsafeBytes { all in
            for alignment in 0..<8 {
                for length in 0...300 {
                    let piece = UnsafeRawBufferPointer(rebasing: all[alignment..<(alignment + length)])
                    XCTAssertEqual(
                        CRC32C.checksum(piece), CRC32C.portableExtend(0, piece),
                        "length \(length) alignment \(alignment)")
                }
            }
        }
    }

    /// Lengths around the three-stream block sizes (3 x 256 and 3 x 8192 bytes), where the
    /// hardware path joins partial CRCs, and a 1 MiB random buffer.
    func testDispatchedMatchesPortableForLargeInputs() {
        let bytes = [UInt8].random(count: (1 << 20) + 8, seed: 2)
        let lengths = [767, 768, 769, 1024, 3 * 256 * 2 + 13, 24_575, 24_576, 24_577, 50_000, 1 << 20]
        bytes.withUnsafeBytes { all in
            for length in lengths {
                for alignment in [0, 1, 3, 7] {
                    let piece = UnsafeRawBufferPointer(rebasing: all[alignment..<(alignment + length)])
                    XCTAssertEqual(
                        CRC32C.checksum(piece), CRC32C.portableExtend(0, piece),
                        "length \(length) alignment \(alignment)")
                }
            }
        }
    }

    func testExtendIsIncremental() {
        let bytes = Array("123456789".utf8)
        for split in 0...bytes.count {
            let head = bytes[..<split].withUnsafeBytes { CRC32C.checksum($0) }
            let whole = bytes[split...].withUnsafeBytes { CRC32C.extend(head, $0) }
            XCTAssertEqual(whole, 0xE306_9283)
        }
    }

    func testByteBufferOverloads() {
        var buffer = ByteBuffer(bytes: Array("xx123456789yy".utf8))
        XCTAssertEqual(CRC32C.checksum(buffer, at: 2, length: 9), 0xE306_9283)
        XCTAssertNil(CRC32C.checksum(buffer, at: 10, length: 9))
        buffer.moveReaderIndex(forwardBy: 2)
        buffer.moveWriterIndex(to: 11)
        XCTAssertEqual(CRC32C.checksum(buffer), 0xE306_9283)
        XCTAssertEqual(CRC32C.extend(CRC32C.checksum(ByteBuffer(bytes: Array("1234".utf8))), ByteBuffer(bytes: Array("56789".utf8))), 0xE306_9283)
    }
}
