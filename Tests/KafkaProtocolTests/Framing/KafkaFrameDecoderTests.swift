import NIOCore
import XCTest

@testable import KafkaProtocol

final class KafkaFrameDecoderTests: XCTestCase {
    private func frames(_ bodies: [[UInt8]]) -> [UInt8] {
        var buffer = ByteBuffer()
        for body in bodies {
            buffer.writeKafkaFrame { $0.writeBytes(body) }
        }
        return Array(buffer.readableBytesView)
    }

    /// Feeds `chunks` through the single-step processor the way a channel would and collects the frames.
    private func decode(_ chunks: [[UInt8]], maximum: Int = 1024) throws -> [[UInt8]] {
        let processor = NIOSingleStepByteToMessageProcessor(KafkaFrameDecoder(maximumFrameSize: maximum))
        var output: [[UInt8]] = []
        for chunk in chunks {
            try processor.process(buffer: ByteBuffer(bytes: chunk)) { frame in
                output.append(Array(frame.readableBytesView))
            }
        }
        return output
    }

    private let bodies: [[UInt8]] = [[1, 2, 3], [], Array(repeating: 7, count: 300), [9]]

    func testBytesFedOneAtATime() throws {
        let stream = frames(bodies)
        XCTAssertEqual(try decode(stream.map { [$0] }), bodies)
    }

    func testSeveralFramesInOneBuffer() throws {
        XCTAssertEqual(try decode([frames(bodies)]), bodies)
    }

    func testFramesSplitAtEveryPosition() throws {
        let stream = frames(bodies)
        for split in 0...stream.count {
            XCTAssertEqual(try decode([Array(stream[..<split]), Array(stream[split...])]), bodies, "split at \(split)")
        }
    }

    func testIncompleteFrameWaitsForMore() throws {
        let stream = frames([[1, 2, 3, 4]])
        XCTAssertEqual(try decode([Array(stream.dropLast())]), [])
    }

    func testFrameAboveTheMaximumIsRejectedBeforeItArrives() {
        // Only the 4-byte size has arrived: the decoder must not wait to buffer 1 MiB.
        XCTAssertThrowsError(try decode([[0x00, 0x10, 0x00, 0x00]], maximum: 1024)) { error in
            XCTAssertEqual((error as? KafkaProtocolError)?.kind, .frameTooLarge(size: 1_048_576, maximum: 1024))
        }
    }

    func testNegativeSizeIsRejected() {
        XCTAssertThrowsError(try decode([[0xFF, 0xFF, 0xFF, 0xFE]])) { error in
            XCTAssertEqual((error as? KafkaProtocolError)?.kind, .frameTooLarge(size: -2, maximum: 1024))
        }
    }

    func testFrameOfExactlyTheMaximumIsAccepted() throws {
        let body = [UInt8](repeating: 1, count: 1024)
        XCTAssertEqual(try decode([frames([body])], maximum: 1024), [body])
    }

    func testRealRequestStreamSplitsIntoItsFrames() throws {
        let cases = Array(ConformanceCase.all.prefix(20))
        let stream = cases.flatMap(\.request)
        let decoded = try decode(stream.map { [$0] }, maximum: KafkaFrameDecoder.defaultMaximumFrameSize)
        XCTAssertEqual(decoded.count, cases.count)
        for (frame, testCase) in zip(decoded, cases) {
            XCTAssertNoThrow(try KafkaRequest(frame: ByteBuffer(bytes: frame)), testCase.name)
        }
    }
}
