import NIOCore
import XCTest

@testable import KafkaProtocol

/// Bad input never crashes the codec: it gets a typed error naming the API key and version.
final class MalformedMessageTests: XCTestCase {
    func testEveryTruncationOfEveryRequestIsATypedError() {
        for testCase in ConformanceCase.all {
            let body = Array(testCase.request.dropFirst(4))
            for length in 0..<body.count {
                do {
                    _ = try KafkaRequest(frame: ByteBuffer(bytes: body[..<length]))
                    XCTFail("\(testCase.name): \(length) of \(body.count) bytes decoded")
                } catch let error as KafkaProtocolError {
                    if length >= 4 {
                        XCTAssertEqual(error.apiKey, testCase.apiKey, "\(testCase.name) at \(length): \(error)")
                    }
                } catch {
                    XCTFail("\(testCase.name): untyped error \(error)")
                }
            }
        }
    }

    func testEveryTruncationOfEveryResponseIsATypedError() {
        for testCase in ConformanceCase.all where !testCase.response.isEmpty {
            let api = KafkaAPIKey(rawValue: testCase.apiKey)!
            let body = Array(testCase.response.dropFirst(4))
            for length in 0..<body.count {
                do {
                    _ = try KafkaResponse(frame: ByteBuffer(bytes: body[..<length]), apiKey: api, version: testCase.apiVersion)
                    XCTFail("\(testCase.name): \(length) of \(body.count) bytes decoded")
                } catch let error as KafkaProtocolError {
                    XCTAssertEqual(error.apiKey, testCase.apiKey, "\(testCase.name): \(error)")
                    XCTAssertNotNil(error.apiVersion, "\(testCase.name): \(error)")
                } catch {
                    XCTFail("\(testCase.name): untyped error \(error)")
                }
            }
        }
    }

    func testRandomByteFlipsNeverCrash() {
        var generator = SplitMix64(seed: 0xCA05E)
        for testCase in ConformanceCase.all {
            let body = Array(testCase.request.dropFirst(4))
            for _ in 0..<50 {
                var mutated = body
                for _ in 0...(generator.next() % 4) {
                    let index = Int(generator.next() % UInt64(mutated.count))
                    mutated[index] = UInt8(truncatingIfNeeded: generator.next())
                }
                // Either outcome is fine; a trap or an untyped error is not.
                do {
                    _ = try KafkaRequest(frame: ByteBuffer(bytes: mutated))
                } catch is KafkaProtocolError {
                } catch {
                    XCTFail("\(testCase.name): untyped error \(error)")
                }
            }
        }
    }

    func testHugeArrayCountIsRejectedWithoutAllocating() throws {
        // Metadata v12 request whose topic array claims 2^31-2 entries in a few bytes.
        var frame = ByteBuffer()
        KafkaRequestHeader(apiKey: 3, apiVersion: 12, correlationID: 1, clientID: "x").encode(into: &frame)
        frame.writeUnsignedVarint(UInt32(Int32.max))
        frame.writeBytes([0, 0, 0])
        XCTAssertThrowsError(try KafkaRequest(frame: frame)) { error in
            let error = error as! KafkaProtocolError
            XCTAssertEqual(error.kind, .invalidLength(Int64(Int32.max) - 1))
            XCTAssertEqual(error.apiKey, 3)
            XCTAssertEqual(error.apiVersion, 12)
        }
    }

    func testNegativeStringLengthIsRejected() {
        // FindCoordinator v2 with a key length of -7.
        var frame = ByteBuffer()
        KafkaRequestHeader(apiKey: 10, apiVersion: 2, correlationID: 1, clientID: nil).encode(into: &frame)
        frame.writeInteger(Int16(-7), endianness: .big)
        XCTAssertThrowsError(try KafkaRequest(frame: frame)) { error in
            XCTAssertEqual((error as? KafkaProtocolError)?.kind, .invalidLength(-7))
        }
    }

    func testOverlongVarintIsRejected() {
        var buffer = ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        XCTAssertThrowsError(try buffer.readUnsignedVarint()) { error in
            XCTAssertEqual((error as? KafkaProtocolError)?.kind, .malformedVarint)
        }
        var long = ByteBuffer(bytes: [UInt8](repeating: 0xFF, count: 10) + [0x01])
        XCTAssertThrowsError(try long.readUnsignedVarlong())
    }

    func testVarintsRoundTripAtTheirLimits() throws {
        for value in [Int32.min, -1, 0, 1, 63, 64, -64, -65, Int32.max] {
            var buffer = ByteBuffer()
            let written = buffer.writeVarint(value)
            XCTAssertEqual(written, ByteBuffer.varintSize(value))
            XCTAssertEqual(try buffer.readVarint(), value)
        }
        for value in [Int64.min, -1, 0, 1, Int64.max, 1 << 35] {
            var buffer = ByteBuffer()
            let written = buffer.writeVarlong(value)
            XCTAssertEqual(written, ByteBuffer.varlongSize(value))
            XCTAssertEqual(try buffer.readVarlong(), value)
        }
    }

    func testUnknownApiKeyAndUnsupportedVersionAreNamed() {
        var unknown = ByteBuffer()
        KafkaRequestHeader(apiKey: 999, apiVersion: 0, correlationID: 1, clientID: nil).encode(into: &unknown)
        XCTAssertThrowsError(try KafkaRequest(frame: unknown)) { error in
            XCTAssertEqual((error as? KafkaProtocolError)?.kind, .unknownAPIKey(999))
        }
        var tooNew = ByteBuffer()
        KafkaRequestHeader(apiKey: 0, apiVersion: 2, correlationID: 1, clientID: nil).encode(into: &tooNew)
        XCTAssertThrowsError(try KafkaRequest(frame: tooNew)) { error in
            XCTAssertEqual((error as? KafkaProtocolError)?.kind, .unsupportedVersion(apiKey: 0, version: 2))
        }
    }

    func testTrailingBytesAreAnError() throws {
        let testCase = try XCTUnwrap(ConformanceCase.all.first { $0.apiKey == 12 })
        var frame = ConformanceCase.frameBody(testCase.request)
        frame.writeInteger(UInt8(0))
        XCTAssertThrowsError(try KafkaRequest(frame: frame)) { error in
            XCTAssertEqual((error as? KafkaProtocolError)?.kind, .trailingBytes(1))
        }
    }

    func testErrorDescriptionNamesTheContext() {
        let error = KafkaProtocolError(.truncated(needed: 4), offset: 17, apiKey: 1, apiVersion: 12)
        XCTAssertEqual(error.description, "input ended early (needed 4 more bytes) [api key 1, version 12, byte 17]")
    }
}
