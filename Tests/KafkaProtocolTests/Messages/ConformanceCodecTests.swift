import NIOCore
import XCTest

@testable import KafkaProtocol

/// Every request and response a real Kafka 4.0 broker exchanged decodes, and
/// re-encodes to the identical bytes.
final class ConformanceCodecTests: XCTestCase {
    func testCorpusIsPresent() {
        XCTAssertGreaterThan(ConformanceCase.all.count, 100)
    }

    func testEveryRequestDecodesAndReencodesIdentically() throws {
        for testCase in ConformanceCase.all {
            let request: KafkaRequest
            do {
                request = try KafkaRequest(frame: ConformanceCase.frameBody(testCase.request))
            } catch {
                XCTFail("\(testCase.name): request does not decode: \(error)")
                continue
            }
            XCTAssertEqual(request.header.apiKey, testCase.apiKey, testCase.name)
            XCTAssertEqual(request.header.apiVersion, testCase.apiVersion, testCase.name)
            XCTAssertEqual(request.body.apiKey.rawValue, testCase.apiKey, testCase.name)
            var encoded = ByteBuffer()
            request.encodeFrame(into: &encoded)
            XCTAssertEqual(hexString(encoded.readableBytesView), hexString(testCase.request), testCase.name)
        }
    }

    func testEveryResponseDecodesAndReencodesIdentically() throws {
        var checked = 0
        for testCase in ConformanceCase.all where !testCase.response.isEmpty {
            let api = try XCTUnwrap(KafkaAPIKey(rawValue: testCase.apiKey), testCase.name)
            let response: KafkaResponse
            do {
                response = try KafkaResponse(
                    frame: ConformanceCase.frameBody(testCase.response), apiKey: api, version: testCase.apiVersion)
            } catch {
                XCTFail("\(testCase.name): response does not decode: \(error)")
                continue
            }
            XCTAssertEqual(response.bodyVersion, testCase.responseVersion, testCase.name)
            var encoded = ByteBuffer()
            response.encodeFrame(into: &encoded)
            XCTAssertEqual(hexString(encoded.readableBytesView), hexString(testCase.response), testCase.name)
            checked += 1
        }
        XCTAssertGreaterThan(checked, 100)
    }

    func testUnsupportedApiVersionsAnswerIsReadAsVersionZero() throws {
        let testCase = try XCTUnwrap(ConformanceCase.all.first { $0.name == "a_apiversions_v99_unsupported" })
        let response = try KafkaResponse(
            frame: ConformanceCase.frameBody(testCase.response), apiKey: .apiVersions, version: 99)
        guard case .apiVersions(let body) = response.body else { return XCTFail("not an ApiVersions response") }
        XCTAssertEqual(body.errorCode, 35)  // UNSUPPORTED_VERSION
        XCTAssertEqual(body.apiKeys.map(\.apiKey), [18])
        XCTAssertEqual(body.apiKeys.first?.maxVersion, 4)
    }

    func testProduceRequestFieldsMatchWhatWasSent() throws {
        let testCase = try XCTUnwrap(ConformanceCase.all.first { $0.apiKey == 0 && $0.apiVersion == 9 })
        let request = try KafkaRequest(frame: ConformanceCase.frameBody(testCase.request))
        guard case .produce(let produce) = request.body else { return XCTFail("not a Produce request") }
        XCTAssertEqual(produce.acks, -1)
        XCTAssertEqual(produce.timeoutMs, 30000)
        let records = try XCTUnwrap(produce.topicData.first?.partitionData.first?.records)
        // A record batch v2 has magic 2 at byte 16.
        XCTAssertEqual(records.getInteger(at: records.readerIndex + 16, as: UInt8.self), 2)
    }
}
