import NIOCore

// Reading and writing the primitive types of the Kafka protocol
// (https://kafka.apache.org/protocol#protocol_types). Every read checks the
// bytes that are left before it touches them and throws `KafkaProtocolError`
// instead of trapping, and no length prefix is trusted to size an allocation
// before it has been checked against what is left in the buffer.

extension ByteBuffer {
    // MARK: Fixed-width integers

    @inlinable
    public mutating func readKafkaInteger<T: FixedWidthInteger>(as: T.Type = T.self) throws -> T {
        guard let value = readInteger(endianness: .big, as: T.self) else {
            throw KafkaProtocolError(.truncated(needed: MemoryLayout<T>.size - readableBytes), offset: readerIndex)
        }
        return value
    }

    @inlinable
    public mutating func readKafkaBool() throws -> Bool {
        try readKafkaInteger(as: UInt8.self) != 0
    }

    @inlinable
    public mutating func readKafkaFloat64() throws -> Double {
        Double(bitPattern: try readKafkaInteger(as: UInt64.self))
    }

    @inlinable
    public mutating func writeKafkaBool(_ value: Bool) {
        writeInteger(value ? 1 : 0, as: UInt8.self)
    }

    @inlinable
    public mutating func writeKafkaFloat64(_ value: Double) {
        writeInteger(value.bitPattern, endianness: .big)
    }

    // MARK: Varints (protobuf-style base-128; signed ones are zig-zag encoded)

    /// Reads an unsigned varint of at most 5 bytes (32 bits).
    @inlinable
    public mutating func readUnsignedVarint() throws -> UInt32 {
        let start = readerIndex
        var result: UInt32 = 0
        var shift: UInt32 = 0
        while true {
            guard let byte = readInteger(as: UInt8.self) else {
                moveReaderIndex(to: start)
                throw KafkaProtocolError(.truncated(needed: 1), offset: start)
            }
            if shift == 28 && byte > 0x0F {
                moveReaderIndex(to: start)
                throw KafkaProtocolError(.malformedVarint, offset: start)
            }
            result |= UInt32(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads an unsigned varint of at most 10 bytes (64 bits).
    @inlinable
    public mutating func readUnsignedVarlong() throws -> UInt64 {
        let start = readerIndex
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let byte = readInteger(as: UInt8.self) else {
                moveReaderIndex(to: start)
                throw KafkaProtocolError(.truncated(needed: 1), offset: start)
            }
            if shift == 63 && byte > 0x01 {
                moveReaderIndex(to: start)
                throw KafkaProtocolError(.malformedVarint, offset: start)
            }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    @inlinable
    public mutating func readVarint() throws -> Int32 {
        let raw = try readUnsignedVarint()
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    @inlinable
    public mutating func readVarlong() throws -> Int64 {
        let raw = try readUnsignedVarlong()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    @inlinable
    @discardableResult
    public mutating func writeUnsignedVarint(_ value: UInt32) -> Int {
        writeUnsignedVarlong(UInt64(value))
    }

    @inlinable
    @discardableResult
    public mutating func writeUnsignedVarlong(_ value: UInt64) -> Int {
        var remaining = value
        var written = 0
        while remaining >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
            written += 1
        }
        writeInteger(UInt8(remaining))
        return written + 1
    }

    @inlinable
    @discardableResult
    public mutating func writeVarint(_ value: Int32) -> Int {
        writeUnsignedVarint(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }

    @inlinable
    @discardableResult
    public mutating func writeVarlong(_ value: Int64) -> Int {
        writeUnsignedVarlong(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// How many bytes `writeUnsignedVarint(value)` writes.
    @inlinable
    public static func unsignedVarintSize(_ value: UInt64) -> Int {
        var size = 1
        var remaining = value >> 7
        while remaining != 0 {
            size += 1
            remaining >>= 7
        }
        return size
    }

    @inlinable
    public static func varintSize(_ value: Int32) -> Int {
        unsignedVarintSize(UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31))))
    }

    @inlinable
    public static func varlongSize(_ value: Int64) -> Int {
        unsignedVarintSize(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    // MARK: Length prefixes

    /// Reads the length prefix of a string, bytes or records field.
    ///
    /// Classic encodings use an int16 (strings) or int32 (bytes) length with -1 for
    /// null; compact encodings use an unsigned varint holding length + 1, with 0 for
    /// null. Returns nil for null. A length larger than what is left is an error.
    @inlinable
    mutating func readKafkaLength(compact: Bool, wide: Bool) throws -> Int? {
        let start = readerIndex
        let length: Int64
        if compact {
            length = Int64(try readUnsignedVarint()) - 1
        } else if wide {
            length = Int64(try readKafkaInteger(as: Int32.self))
        } else {
            length = Int64(try readKafkaInteger(as: Int16.self))
        }
        if length == -1 { return nil }
        guard length >= 0, length <= readableBytes else {
            moveReaderIndex(to: start)
            throw KafkaProtocolError(.invalidLength(length), offset: start)
        }
        return Int(length)
    }

    @inlinable
    mutating func writeKafkaLength(_ length: Int?, compact: Bool, wide: Bool) {
        if compact {
            writeUnsignedVarint(UInt32(truncatingIfNeeded: (length ?? -1) + 1))
        } else if wide {
            writeInteger(Int32(truncatingIfNeeded: length ?? -1), endianness: .big)
        } else {
            writeInteger(Int16(truncatingIfNeeded: length ?? -1), endianness: .big)
        }
    }

    // MARK: Strings

    public mutating func readKafkaNullableString(compact: Bool) throws -> String? {
        let start = readerIndex
        guard let length = try readKafkaLength(compact: compact, wide: false) else { return nil }
        guard let view = readSlice(length: length) else {
            throw KafkaProtocolError(.truncated(needed: length), offset: start)
        }
        return try view.withUnsafeReadableBytes { bytes in
            guard let string = String(validating: bytes, as: UTF8.self) else {
                throw KafkaProtocolError(.invalidUTF8, offset: start)
            }
            return string
        }
    }

    public mutating func readKafkaString(compact: Bool, field: @autoclosure () -> String = "string") throws -> String {
        let start = readerIndex
        guard let string = try readKafkaNullableString(compact: compact) else {
            throw KafkaProtocolError(.unexpectedNull(field: field()), offset: start)
        }
        return string
    }

    public mutating func writeKafkaString(_ string: String?, compact: Bool) {
        guard let string else {
            writeKafkaLength(nil, compact: compact, wide: false)
            return
        }
        writeKafkaLength(string.utf8.count, compact: compact, wide: false)
        writeString(string)
    }

    // MARK: Bytes and records

    public mutating func readKafkaNullableBytes(compact: Bool) throws -> [UInt8]? {
        guard let slice = try readKafkaNullableRecords(compact: compact) else { return nil }
        return Array(slice.readableBytesView)
    }

    public mutating func readKafkaBytes(compact: Bool, field: @autoclosure () -> String = "bytes") throws -> [UInt8] {
        let start = readerIndex
        guard let bytes = try readKafkaNullableBytes(compact: compact) else {
            throw KafkaProtocolError(.unexpectedNull(field: field()), offset: start)
        }
        return bytes
    }

    public mutating func writeKafkaBytes(_ bytes: [UInt8]?, compact: Bool) {
        guard let bytes else {
            writeKafkaLength(nil, compact: compact, wide: true)
            return
        }
        writeKafkaLength(bytes.count, compact: compact, wide: true)
        writeBytes(bytes)
    }

    /// Reads a records field as a slice of this buffer: no bytes are copied, so a
    /// fetched batch can travel to a Produce request untouched.
    public mutating func readKafkaNullableRecords(compact: Bool) throws -> ByteBuffer? {
        let start = readerIndex
        guard let length = try readKafkaLength(compact: compact, wide: true) else { return nil }
        guard let slice = readSlice(length: length) else {
            throw KafkaProtocolError(.truncated(needed: length), offset: start)
        }
        return slice
    }

    public mutating func readKafkaRecords(compact: Bool, field: @autoclosure () -> String = "records") throws -> ByteBuffer {
        let start = readerIndex
        guard let records = try readKafkaNullableRecords(compact: compact) else {
            throw KafkaProtocolError(.unexpectedNull(field: field()), offset: start)
        }
        return records
    }

    public mutating func writeKafkaRecords(_ records: ByteBuffer?, compact: Bool) {
        guard let records else {
            writeKafkaLength(nil, compact: compact, wide: true)
            return
        }
        writeKafkaLength(records.readableBytes, compact: compact, wide: true)
        writeImmutableBuffer(records)
    }

    // MARK: UUID

    public mutating func readKafkaUUID() throws -> KafkaUUID {
        let high = try readKafkaInteger(as: UInt64.self)
        let low = try readKafkaInteger(as: UInt64.self)
        return KafkaUUID(high: high, low: low)
    }

    public mutating func writeKafkaUUID(_ uuid: KafkaUUID) {
        writeInteger(uuid.high, endianness: .big)
        writeInteger(uuid.low, endianness: .big)
    }

    // MARK: Arrays

    /// Reads an array's element count; nil for a null array.
    ///
    /// Every element of every Kafka array takes at least one byte on the wire, so a
    /// count larger than the bytes left is rejected before anything is allocated.
    public mutating func readKafkaArrayCount(compact: Bool) throws -> Int? {
        let start = readerIndex
        let count: Int64
        if compact {
            count = Int64(try readUnsignedVarint()) - 1
        } else {
            count = Int64(try readKafkaInteger(as: Int32.self))
        }
        if count == -1 { return nil }
        guard count >= 0, count <= readableBytes else {
            moveReaderIndex(to: start)
            throw KafkaProtocolError(.invalidLength(count), offset: start)
        }
        return Int(count)
    }

    public mutating func readKafkaArray<Element>(
        compact: Bool, field: @autoclosure () -> String = "array", _ readElement: (inout ByteBuffer) throws -> Element
    ) throws -> [Element] {
        let start = readerIndex
        guard let elements = try readKafkaNullableArray(compact: compact, readElement) else {
            throw KafkaProtocolError(.unexpectedNull(field: field()), offset: start)
        }
        return elements
    }

    public mutating func readKafkaNullableArray<Element>(
        compact: Bool, _ readElement: (inout ByteBuffer) throws -> Element
    ) throws -> [Element]? {
        guard let count = try readKafkaArrayCount(compact: compact) else { return nil }
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count {
            elements.append(try readElement(&self))
        }
        return elements
    }

    public mutating func writeKafkaArrayCount(_ count: Int?, compact: Bool) {
        if compact {
            writeUnsignedVarint(UInt32(truncatingIfNeeded: (count ?? -1) + 1))
        } else {
            writeInteger(Int32(truncatingIfNeeded: count ?? -1), endianness: .big)
        }
    }

    public mutating func writeKafkaArray<Element>(
        _ elements: [Element]?, compact: Bool, _ writeElement: (inout ByteBuffer, Element) -> Void
    ) {
        writeKafkaArrayCount(elements?.count, compact: compact)
        guard let elements else { return }
        for element in elements {
            writeElement(&self, element)
        }
    }

    // MARK: Tagged fields (KIP-482)

    /// Reads a tagged-field section: a count, then (tag, size, bytes) for each field.
    ///
    /// `decodeKnown` is called with each tag and a slice holding exactly its bytes; it
    /// returns false for a tag it does not know, which is then kept in `unknown` so a
    /// re-encoded message carries it unchanged. Tags must be strictly increasing.
    public mutating func readTaggedFields(
        unknown: inout [TaggedField], _ decodeKnown: (UInt32, inout ByteBuffer) throws -> Bool
    ) throws {
        let count = try readUnsignedVarint()
        guard count <= readableBytes else {
            throw KafkaProtocolError(.invalidLength(Int64(count)), offset: readerIndex)
        }
        var previousTag: Int64 = -1
        for _ in 0..<count {
            let tagStart = readerIndex
            let tag = try readUnsignedVarint()
            guard Int64(tag) > previousTag else {
                throw KafkaProtocolError(.corruptBatch("tagged fields out of order (tag \(tag))"), offset: tagStart)
            }
            previousTag = Int64(tag)
            let size = try readUnsignedVarint()
            guard size <= readableBytes, var slice = readSlice(length: Int(size)) else {
                throw KafkaProtocolError(.invalidLength(Int64(size)), offset: tagStart)
            }
            let sliceStart = readerIndex - Int(size)
            do {
                if try decodeKnown(tag, &slice) {
                    if slice.readableBytes != 0 {
                        throw KafkaProtocolError(.trailingBytes(slice.readableBytes), offset: tagStart)
                    }
                } else {
                    unknown.append(TaggedField(tag: tag, data: Array(slice.readableBytesView)))
                }
            } catch var error as KafkaProtocolError {
                // Offsets inside the slice are relative to the slice: make them absolute.
                if let offset = error.offset { error.offset = sliceStart + offset }
                throw error
            }
        }
    }

    /// Writes a tagged field whose value is produced by `writeValue`, prefixed with its size.
    public mutating func writeTaggedField(tag: UInt32, _ writeValue: (inout ByteBuffer) -> Void) {
        var value = ByteBuffer()
        writeValue(&value)
        writeUnsignedVarint(tag)
        writeUnsignedVarint(UInt32(value.readableBytes))
        writeBuffer(&value)
    }

    /// Writes the unknown tagged fields with tags between the known ones, keeping tag order.
    public mutating func writeUnknownTaggedFields(_ fields: [TaggedField], tagsBelow limit: UInt32?, from index: inout Int) {
        while index < fields.count, limit.map({ fields[index].tag < $0 }) ?? true {
            writeUnsignedVarint(fields[index].tag)
            writeUnsignedVarint(UInt32(fields[index].data.count))
            writeBytes(fields[index].data)
            index += 1
        }
    }
}

/// A tagged field this codec does not know, kept as raw bytes so it survives a round trip.
public struct TaggedField: Hashable, Sendable {
    public var tag: UInt32
    public var data: [UInt8]

    public init(tag: UInt32, data: [UInt8]) {
        self.tag = tag
        self.data = data
    }
}

/// Kafka's 128-bit UUID (topic ids, directory ids), stored as two big-endian halves.
public struct KafkaUUID: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public static let zero = KafkaUUID(high: 0, low: 0)

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Kafka prints UUIDs as URL-safe base64 without padding.
    public var description: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var text = ""
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = 0
            for byte in chunk { value = value << 8 | Int(byte) }
            value <<= 8 * (3 - chunk.count)
            for position in 0..<(chunk.count + 1) {
                text.append(alphabet[(value >> (18 - 6 * position)) & 0x3F])
            }
            index += 3
        }
        return text
    }
}
