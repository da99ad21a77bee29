/// The `attributes` field of a v2 record batch (header bytes 21-22).
///
/// Bits 0-2 codec, bit 3 timestamp type, bit 4 transactional, bit 5 control, bit 6
/// delete horizon (KIP-534: baseTimestamp holds the time after which tombstones and
/// aborted-transaction markers may be removed). Bits 7-15 are unused; they are kept
/// as they are so a patched batch does not lose anything.
public struct RecordBatchAttributes: Hashable, Sendable, CustomStringConvertible {
    static let timestampTypeBit: Int16 = 0x08
    static let transactionalBit: Int16 = 0x10
    static let controlBit: Int16 = 0x20
    static let deleteHorizonBit: Int16 = 0x40

    /// The field as it is on the wire.
    public private(set) var rawValue: Int16

    /// Nil when bits 0-2 name no codec (5, 6 or 7): such a batch cannot be decoded.
    public init?(rawValue: Int16) {
        guard CompressionCodec(attributes: rawValue) != nil else { return nil }
        self.rawValue = rawValue
    }

    public init(
        codec: CompressionCodec = .none, timestampType: TimestampType = .createTime,
        isTransactional: Bool = false, isControl: Bool = false, hasDeleteHorizon: Bool = false
    ) {
        rawValue = codec.rawValue
        self.timestampType = timestampType
        self.isTransactional = isTransactional
        self.isControl = isControl
        self.hasDeleteHorizon = hasDeleteHorizon
    }

    public var codec: CompressionCodec {
        get { CompressionCodec(attributes: rawValue)! }  // checked by every initializer
        set { rawValue = (rawValue & ~CompressionCodec.attributeMask) | newValue.rawValue }
    }

    public var timestampType: TimestampType {
        get { rawValue & Self.timestampTypeBit != 0 ? .logAppendTime : .createTime }
        set { set(Self.timestampTypeBit, newValue == .logAppendTime) }
    }

    /// The batch belongs to a transaction (KIP-98).
    public var isTransactional: Bool {
        get { rawValue & Self.transactionalBit != 0 }
        set { set(Self.transactionalBit, newValue) }
    }

    /// The batch holds control records (transaction markers) rather than data.
    public var isControl: Bool {
        get { rawValue & Self.controlBit != 0 }
        set { set(Self.controlBit, newValue) }
    }

    /// baseTimestamp is the delete horizon set by the log cleaner (KIP-534).
    public var hasDeleteHorizon: Bool {
        get { rawValue & Self.deleteHorizonBit != 0 }
        set { set(Self.deleteHorizonBit, newValue) }
    }

    private mutating func set(_ bit: Int16, _ on: Bool) {
        rawValue = on ? rawValue | bit : rawValue & ~bit
    }

    public var description: String {
        var parts = [codec.name, timestampType.description]
        if isTransactional { parts.append("transactional") }
        if isControl { parts.append("control") }
        if hasDeleteHorizon { parts.append("deleteHorizon") }
        return "0x" + String(UInt16(bitPattern: rawValue), radix: 16) + "(" + parts.joined(separator: ",") + ")"
    }
}
