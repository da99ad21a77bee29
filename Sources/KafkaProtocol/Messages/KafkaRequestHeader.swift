import NIOCore

/// The header in front of every request (Kafka's RequestHeader.json, versions 1 and 2).
///
/// Version 2 is used by flexible request versions and adds a tagged-field section;
/// the client id stays a classic (non-compact) nullable string in both.
public struct KafkaRequestHeader: Hashable, Sendable {
    public var apiKey: Int16
    public var apiVersion: Int16
    public var correlationID: Int32
    public var clientID: String?
    public var unknownTaggedFields: [TaggedField]

    public init(
        apiKey: Int16, apiVersion: Int16, correlationID: Int32, clientID: String?,
        unknownTaggedFields: [TaggedField] = []
    ) {
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.correlationID = correlationID
        self.clientID = clientID
        self.unknownTaggedFields = unknownTaggedFields
    }

    /// The header version a request of this API and version uses: 2 for flexible versions, else 1.
    ///
    /// An unknown API key is treated as non-flexible. A version above the highest
    /// known one is flexible if the API has flexible versions at all, as Kafka
    /// assumes when it answers an ApiVersions request it does not support (KIP-511).
    public static func headerVersion(apiKey: Int16, apiVersion: Int16) -> Int16 {
        guard let api = KafkaAPIKey(rawValue: apiKey), let firstFlexible = api.firstFlexibleVersion else {
            return 1
        }
        return apiVersion >= firstFlexible ? 2 : 1
    }

    public init(from buffer: inout ByteBuffer) throws {
        apiKey = try buffer.readKafkaInteger()
        apiVersion = try buffer.readKafkaInteger()
        do {
            correlationID = try buffer.readKafkaInteger()
            clientID = try buffer.readKafkaNullableString(compact: false)
            var unknown: [TaggedField] = []
            if Self.headerVersion(apiKey: apiKey, apiVersion: apiVersion) >= 2 {
                try buffer.readTaggedFields(unknown: &unknown) { _, _ in false }
            }
            unknownTaggedFields = unknown
        } catch let error as KafkaProtocolError {
            throw error.inMessage(apiKey: apiKey, version: apiVersion)
        }
    }

    public func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(apiKey, endianness: .big)
        buffer.writeInteger(apiVersion, endianness: .big)
        buffer.writeInteger(correlationID, endianness: .big)
        buffer.writeKafkaString(clientID, compact: false)
        if Self.headerVersion(apiKey: apiKey, apiVersion: apiVersion) >= 2 {
            buffer.writeUnsignedVarint(UInt32(unknownTaggedFields.count))
            var index = 0
            buffer.writeUnknownTaggedFields(unknownTaggedFields, tagsBelow: nil, from: &index)
        }
    }
}
