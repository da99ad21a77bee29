import NIOCore
import XCTest

@testable import KafkaProtocol

/// Every supported (API key, version), request and response, with every field set to
/// a value other than its default and two unknown tagged fields in flexible versions,
/// survives encode -> decode unchanged and re-encodes to the same bytes.
final class MessageRoundTripTests: XCTestCase {
    func testEveryRequestVersionRoundTrips() throws {
        var versions = 0
        for api in KafkaAPIKey.allCases {
            for version in api.validVersions {
                let request = GeneratedSamples.request(api, version: version)
                try assertRoundTrip(request, api: api, version: version) { buffer in
                    try KafkaAnyRequest(apiKey: api, version: version, from: &buffer)
                } encode: { message, buffer in
                    message.encode(into: &buffer, version: version)
                }
                versions += 1
            }
        }
        XCTAssertGreaterThan(versions, 150)
    }

    func testEveryResponseVersionRoundTrips() throws {
        for api in KafkaAPIKey.allCases {
            for version in api.validVersions {
                let response = GeneratedSamples.response(api, version: version)
                try assertRoundTrip(response, api: api, version: version) { buffer in
                    try KafkaAnyResponse(apiKey: api, version: version, from: &buffer)
                } encode: { message, buffer in
                    message.encode(into: &buffer, version: version)
                }
            }
        }
    }

    func testWholeFramesRoundTripWithHeaders() throws {
        for api in KafkaAPIKey.allCases {
            for version in api.validVersions {
                let request = KafkaRequest(
                    header: KafkaRequestHeader(
                        apiKey: api.rawValue, apiVersion: version, correlationID: 7 + Int32(version),
                        clientID: "causeway-test"),
                    body: GeneratedSamples.request(api, version: version))
                var frame = ByteBuffer()
                request.encodeFrame(into: &frame)
                XCTAssertEqual(Int(frame.getInteger(at: 0, as: Int32.self)!), frame.readableBytes - 4)
                let decoded = try KafkaRequest(frame: frame.getSlice(at: 4, length: frame.readableBytes - 4)!)
                XCTAssertEqual(decoded, request, "\(api) v\(version)")

                let response = KafkaResponse(
                    header: KafkaResponseHeader(correlationID: 99),
                    body: GeneratedSamples.response(api, version: version), bodyVersion: version)
                var responseFrame = ByteBuffer()
                response.encodeFrame(into: &responseFrame)
                let decodedResponse = try KafkaResponse(
                    frame: responseFrame.getSlice(at: 4, length: responseFrame.readableBytes - 4)!, apiKey: api,
                    version: version)
                XCTAssertEqual(decodedResponse, response, "\(api) v\(version) response")
            }
        }
    }

    func testGroupMembershipPayloadsRoundTrip() throws {
        for version in ConsumerProtocolSubscription.validVersions {
            let subscription = ConsumerProtocolSubscription.sample(version: version)
            let bytes = subscription.encodeVersioned(version: version)
            let (decoded, decodedVersion) = try ConsumerProtocolSubscription.decodeVersioned(bytes)
            XCTAssertEqual(decoded, subscription)
            XCTAssertEqual(decodedVersion, version)
        }
        for version in ConsumerProtocolAssignment.validVersions {
            let assignment = ConsumerProtocolAssignment.sample(version: version)
            let (decoded, _) = try ConsumerProtocolAssignment.decodeVersioned(assignment.encodeVersioned(version: version))
            XCTAssertEqual(decoded, assignment)
        }
    }

    func testSamplesReallyDifferFromDefaults() {
        // Guards the fixture itself: a sample that encodes like the default message
        // would prove nothing about the fields it was meant to exercise.
        for api in KafkaAPIKey.allCases {
            for version in api.validVersions {
                var sample = ByteBuffer()
                GeneratedSamples.request(api, version: version).encode(into: &sample, version: version)
                var empty = ByteBuffer()
                GeneratedSamples.defaultRequest(api).encode(into: &empty, version: version)
                if empty.readableBytes > 0 {
                    XCTAssertNotEqual(sample, empty, "\(api) v\(version) request")
                }
                var sampleResponse = ByteBuffer()
                GeneratedSamples.response(api, version: version).encode(into: &sampleResponse, version: version)
                var emptyResponse = ByteBuffer()
                GeneratedSamples.defaultResponse(api).encode(into: &emptyResponse, version: version)
                if emptyResponse.readableBytes > 0 {
                    XCTAssertNotEqual(sampleResponse, emptyResponse, "\(api) v\(version) response")
                }
            }
        }
    }

    private func assertRoundTrip<Message: Equatable>(
        _ message: Message, api: KafkaAPIKey, version: Int16,
        decode: (inout ByteBuffer) throws -> Message,
        encode: (Message, inout ByteBuffer) -> Void,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        var buffer = ByteBuffer()
        encode(message, &buffer)
        let bytes = Array(buffer.readableBytesView)
        let decoded: Message
        do {
            decoded = try decode(&buffer)
        } catch {
            return XCTFail("\(api) v\(version): \(error)", file: file, line: line)
        }
        XCTAssertEqual(buffer.readableBytes, 0, "\(api) v\(version): bytes left over", file: file, line: line)
        XCTAssertEqual(decoded, message, "\(api) v\(version)", file: file, line: line)
        var again = ByteBuffer()
        encode(decoded, &again)
        XCTAssertEqual(Array(again.readableBytesView), bytes, "\(api) v\(version) re-encode", file: file, line: line)
    }
}
