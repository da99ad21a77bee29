import NIOCore

/// A whole response: header and decoded body.
///
/// A response does not say which request it answers; the caller matches it by
/// correlation id and passes the API key and version it sent.
public struct KafkaResponse: Hashable, Sendable {
    public var header: KafkaResponseHeader
    public var body: KafkaAnyResponse
    /// The version the body was read with (see `init(frame:apiKey:version:)`).
    public var bodyVersion: Int16

    public init(header: KafkaResponseHeader, body: KafkaAnyResponse, bodyVersion: Int16) {
        self.header = header
        self.body = body
        self.bodyVersion = bodyVersion
    }

    /// Decodes one response frame (the bytes after the 4-byte size prefix) to a
    /// request of `apiKey` at `version`. The whole frame must be consumed.
    ///
    /// A broker that does not support the ApiVersions version a client sent answers
    /// UNSUPPORTED_VERSION in the version 0 layout; like Kafka's Java client, an
    /// ApiVersions response that does not parse at the requested version is read
    /// again as version 0.
    public init(frame: ByteBuffer, apiKey: KafkaAPIKey, version: Int16) throws {
        if apiKey == .apiVersions {
            if version <= ApiVersionsResponse.validVersions.upperBound,
                let parsed = try? Self.decode(frame: frame, apiKey: apiKey, version: version)
            {
                self = parsed
            } else {
                self = try Self.decode(frame: frame, apiKey: apiKey, version: 0)
            }
        } else {
            self = try Self.decode(frame: frame, apiKey: apiKey, version: version)
        }
    }

    private static func decode(frame: ByteBuffer, apiKey: KafkaAPIKey, version: Int16) throws -> KafkaResponse {
        guard apiKey.validVersions.contains(version) else {
            throw KafkaProtocolError(
                .unsupportedVersion(apiKey: apiKey.rawValue, version: version), apiKey: apiKey.rawValue,
                apiVersion: version)
        }
        var buffer = frame
        do {
            let headerVersion = KafkaResponseHeader.headerVersion(apiKey: apiKey.rawValue, apiVersion: version)
            let header = try KafkaResponseHeader(from: &buffer, headerVersion: headerVersion)
            let body = try KafkaAnyResponse(apiKey: apiKey, version: version, from: &buffer)
            guard buffer.readableBytes == 0 else {
                throw KafkaProtocolError(.trailingBytes(buffer.readableBytes), offset: buffer.readerIndex)
            }
            return KafkaResponse(header: header, body: body, bodyVersion: version)
        } catch let error as KafkaProtocolError {
            throw error.inMessage(apiKey: apiKey.rawValue, version: version)
        }
    }

    /// Encodes header and body with the 4-byte size prefix.
    public func encodeFrame(into buffer: inout ByteBuffer) {
        let headerVersion = KafkaResponseHeader.headerVersion(apiKey: body.apiKey.rawValue, apiVersion: bodyVersion)
        buffer.writeKafkaFrame { frame in
            header.encode(into: &frame, headerVersion: headerVersion)
            body.encode(into: &frame, version: bodyVersion)
        }
    }
}

extension KafkaResponseMessage {
    /// Encodes this response as a whole frame (size prefix, header, body).
    public func encodeFrame(into buffer: inout ByteBuffer, version: Int16, correlationID: Int32) {
        let header = KafkaResponseHeader(correlationID: correlationID)
        let headerVersion = KafkaResponseHeader.headerVersion(apiKey: Self.apiKey, apiVersion: version)
        buffer.writeKafkaFrame { frame in
            header.encode(into: &frame, headerVersion: headerVersion)
            encode(into: &frame, version: version)
        }
    }
}
