import NIOCore

/// A transaction marker: the record of a control batch that ends a transaction (KIP-98).
///
/// Key: int16 version, int16 type (0 ABORT, 1 COMMIT). Value (EndTransactionMarker):
/// int16 version, int32 coordinatorEpoch. Later key or value versions may append
/// fields, which are ignored here as Kafka's own reader does.
public struct ControlRecord: Hashable, Sendable {
    /// The control record type. Kafka defines more than commit and abort for its own
    /// internal logs (KRaft), so unknown types are kept rather than rejected.
    public struct ControlType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public var rawValue: Int16
        public init(rawValue: Int16) { self.rawValue = rawValue }

        public static let abort = ControlType(rawValue: 0)
        public static let commit = ControlType(rawValue: 1)

        public var description: String {
            switch self {
            case .abort: "ABORT"
            case .commit: "COMMIT"
            default: "type \(rawValue)"
            }
        }
    }

    public var type: ControlType
    /// Version of the key layout (0 in every Kafka release so far).
    public var keyVersion: Int16
    /// Version of the value layout (0 in every Kafka release so far).
    public var valueVersion: Int16
    /// Epoch of the transaction coordinator that wrote the marker.
    public var coordinatorEpoch: Int32

    public init(type: ControlType, coordinatorEpoch: Int32 = 0, keyVersion: Int16 = 0, valueVersion: Int16 = 0) {
        self.type = type
        self.keyVersion = keyVersion
        self.valueVersion = valueVersion
        self.coordinatorEpoch = coordinatorEpoch
    }

    /// Decodes the key and value of a control batch's record.
    public init(_ record: Record) throws {
        guard var key = record.key, key.readableBytes >= 4 else {
            throw KafkaProtocolError(
                .corruptBatch("control record key has \(record.key?.readableBytes ?? -1) bytes, needs 4"))
        }
        keyVersion = try key.readKafkaInteger()
        type = ControlType(rawValue: try key.readKafkaInteger())
        guard var value = record.value, value.readableBytes >= 6 else {
            throw KafkaProtocolError(
                .corruptBatch("control record value has \(record.value?.readableBytes ?? -1) bytes, needs 6"))
        }
        valueVersion = try value.readKafkaInteger()
        coordinatorEpoch = try value.readKafkaInteger()
    }

    /// The record's key bytes.
    public var key: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(keyVersion)
        buffer.writeInteger(type.rawValue)
        return buffer
    }

    /// The record's value bytes.
    public var value: ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(valueVersion)
        buffer.writeInteger(coordinatorEpoch)
        return buffer
    }

    /// The marker as the single record of a control batch (offset delta 0).
    public var record: Record {
        Record(key: key, value: value, offsetDelta: 0)
    }
}
