import NIOCore

/// The consumer group payloads inside JoinGroup (protocol metadata) and SyncGroup
/// (assignment) start with their own int16 version, independent of the request's.
///
/// Newer versions only add fields at the end, so, as Kafka's ConsumerProtocol does,
/// a payload of a version above the newest known one is read with the newest known
/// layout and the bytes after it are ignored.
public protocol ConsumerProtocolPayload: KafkaVersionedMessage {}

extension ConsumerProtocolSubscription: ConsumerProtocolPayload {}
extension ConsumerProtocolAssignment: ConsumerProtocolPayload {}

extension ConsumerProtocolPayload {
    /// Reads a version-prefixed payload. Returns the payload and the version it declared.
    public static func decodeVersioned(_ bytes: [UInt8]) throws -> (payload: Self, version: Int16) {
        var buffer = ByteBuffer(bytes: bytes)
        let version: Int16 = try buffer.readKafkaInteger()
        guard version >= 0 else {
            throw KafkaProtocolError(.unsupportedVersion(apiKey: -1, version: version), offset: 0)
        }
        let readVersion = min(version, validVersions.upperBound)
        let payload = try Self(from: &buffer, version: readVersion)
        // Trailing bytes are only acceptable from a newer version than we know.
        if readVersion == version, buffer.readableBytes != 0 {
            throw KafkaProtocolError(.trailingBytes(buffer.readableBytes), offset: buffer.readerIndex)
        }
        return (payload, version)
    }

    /// Writes the payload prefixed with its version.
    public func encodeVersioned(version: Int16) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeInteger(version, endianness: .big)
        encode(into: &buffer, version: version)
        return Array(buffer.readableBytesView)
    }
}
