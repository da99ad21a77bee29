import NIOCore

/// A whole request: header and decoded body.
public struct KafkaRequest: Hashable, Sendable {
    public var header: KafkaRequestHeader
    public var body: KafkaAnyRequest

    public init(header: KafkaRequestHeader, body: KafkaAnyRequest) {
        self.header = header
        self.body = body
    }

    /// The version the body was decoded with. Equal to the header's version, except for
    /// an ApiVersions request newer than this codec knows, which is read as the newest
    /// known version: a broker must still be able to answer it (KIP-511).
    public var bodyVersion: Int16 {
        Self.bodyVersion(apiKey: header.apiKey, apiVersion: header.apiVersion)
    }

    static func bodyVersion(apiKey: Int16, apiVersion: Int16) -> Int16 {
        if apiKey == KafkaAPIKey.apiVersions.rawValue, apiVersion > ApiVersionsRequest.validVersions.upperBound {
            return ApiVersionsRequest.validVersions.upperBound
        }
        return apiVersion
    }

    /// Decodes one request frame (the bytes after the 4-byte size prefix).
    ///
    /// The whole frame must be consumed unless `allowingTrailingBytes`: a Kafka broker
    /// reads the fields of the version and ignores whatever follows (librdkafka 2.16
    /// sends Metadata v13 with three bytes past the body, and Kafka answers it).
    /// Errors carry the API key and version.
    public init(frame: ByteBuffer, allowingTrailingBytes: Bool = false) throws {
        var buffer = frame
        let header = try KafkaRequestHeader(from: &buffer)
        guard let api = KafkaAPIKey(rawValue: header.apiKey) else {
            throw KafkaProtocolError(.unknownAPIKey(header.apiKey), apiKey: header.apiKey, apiVersion: header.apiVersion)
        }
        let version = Self.bodyVersion(apiKey: header.apiKey, apiVersion: header.apiVersion)
        guard api.validVersions.contains(version) else {
            throw KafkaProtocolError(
                .unsupportedVersion(apiKey: header.apiKey, version: header.apiVersion),
                apiKey: header.apiKey, apiVersion: header.apiVersion)
        }
        do {
            body = try KafkaAnyRequest(apiKey: api, version: version, from: &buffer)
        } catch let error as KafkaProtocolError {
            throw error.inMessage(apiKey: header.apiKey, version: header.apiVersion)
        }
        guard buffer.readableBytes == 0 || allowingTrailingBytes else {
            throw KafkaProtocolError(
                .trailingBytes(buffer.readableBytes), offset: buffer.readerIndex,
                apiKey: header.apiKey, apiVersion: header.apiVersion)
        }
        self.header = header
    }

    /// Encodes header and body with the 4-byte size prefix.
    public func encodeFrame(into buffer: inout ByteBuffer) {
        buffer.writeKafkaFrame { frame in
            header.encode(into: &frame)
            body.encode(into: &frame, version: bodyVersion)
        }
    }
}

extension KafkaRequestMessage {
    /// Encodes this request as a whole frame (size prefix, header, body).
    public func encodeFrame(
        into buffer: inout ByteBuffer, version: Int16, correlationID: Int32, clientID: String?
    ) {
        let header = KafkaRequestHeader(
            apiKey: Self.apiKey, apiVersion: version, correlationID: correlationID, clientID: clientID)
        buffer.writeKafkaFrame { frame in
            header.encode(into: &frame)
            encode(into: &frame, version: version)
        }
    }
}
