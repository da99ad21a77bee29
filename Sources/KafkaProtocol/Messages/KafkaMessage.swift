import NIOCore

/// A message of the Kafka protocol that is encoded differently per version.
///
/// The generated types (one per request, response and group-membership payload)
/// conform to this. `init(from:version:)` reads exactly one message from the
/// buffer's readable bytes and advances the reader index past it.
public protocol KafkaVersionedMessage: Hashable, Sendable {
    /// The versions Kafka 4.0 defines for this message.
    static var validVersions: ClosedRange<Int16> { get }
    /// The versions that use flexible encoding (compact strings and arrays, tagged fields), if any.
    static var flexibleVersions: ClosedRange<Int16>? { get }

    init(from buffer: inout ByteBuffer, version: Int16) throws
    func encode(into buffer: inout ByteBuffer, version: Int16)
}

/// A request or response: a versioned message that belongs to an API key.
public protocol KafkaMessage: KafkaVersionedMessage {
    static var apiKey: Int16 { get }
}

public protocol KafkaRequestMessage: KafkaMessage {
    /// The response a broker sends to this request.
    associatedtype Response: KafkaResponseMessage
}

public protocol KafkaResponseMessage: KafkaMessage {}

extension KafkaVersionedMessage {
    /// True when `version` uses flexible encoding.
    public static func isFlexible(_ version: Int16) -> Bool {
        flexibleVersions?.contains(version) ?? false
    }

    /// Decodes a message that must fill `buffer` exactly: leftover bytes are an error.
    public init(decoding buffer: ByteBuffer, version: Int16) throws {
        var buffer = buffer
        try self.init(from: &buffer, version: version)
        guard buffer.readableBytes == 0 else {
            throw KafkaProtocolError(.trailingBytes(buffer.readableBytes), offset: buffer.readerIndex)
        }
    }

    /// The message encoded at `version` in a buffer of its own.
    public func encoded(version: Int16) -> ByteBuffer {
        var buffer = ByteBuffer()
        encode(into: &buffer, version: version)
        return buffer
    }
}

extension KafkaMessage {
    /// Decodes, adding the API key and version to any error.
    public init(decodingBody buffer: inout ByteBuffer, version: Int16) throws {
        guard Self.validVersions.contains(version) else {
            throw KafkaProtocolError(.unsupportedVersion(apiKey: Self.apiKey, version: version))
        }
        do {
            try self.init(from: &buffer, version: version)
        } catch let error as KafkaProtocolError {
            throw error.inMessage(apiKey: Self.apiKey, version: version)
        }
    }
}
