import NIOCore

/// The header in front of every response (Kafka's ResponseHeader.json, versions 0 and 1).
public struct KafkaResponseHeader: Hashable, Sendable {
    public var correlationID: Int32
    public var unknownTaggedFields: [TaggedField]

    public init(correlationID: Int32, unknownTaggedFields: [TaggedField] = []) {
        self.correlationID = correlationID
        self.unknownTaggedFields = unknownTaggedFields
    }

    /// The header version of a response: 1 for flexible versions, else 0.
    ///
    /// ApiVersions responses always use version 0, whatever the request version, so
    /// that a client can read the answer before it knows what the broker supports.
    public static func headerVersion(apiKey: Int16, apiVersion: Int16) -> Int16 {
        if apiKey == KafkaAPIKey.apiVersions.rawValue { return 0 }
        return KafkaRequestHeader.headerVersion(apiKey: apiKey, apiVersion: apiVersion) == 2 ? 1 : 0
    }

    public init(from buffer: inout ByteBuffer, headerVersion: Int16) throws {
        correlationID = try buffer.readKafkaInteger()
        var unknown: [TaggedField] = []
        if headerVersion >= 1 {
            try buffer.readTaggedFields(unknown: &unknown) { _, _ in false }
        }
        unknownTaggedFields = unknown
    }

    public func encode(into buffer: inout ByteBuffer, headerVersion: Int16) {
        buffer.writeInteger(correlationID, endianness: .big)
        if headerVersion >= 1 {
            buffer.writeUnsignedVarint(UInt32(unknownTaggedFields.count))
            var index = 0
            buffer.writeUnknownTaggedFields(unknownTaggedFields, tagsBelow: nil, from: &index)
        }
    }
}
