import NIOCore

// The record encoding inside a v2 batch (https://kafka.apache.org/documentation/#record):
//
//   length: varint            size of everything after this field
//   attributes: int8
//   timestampDelta: varlong
//   offsetDelta: varint
//   keyLength: varint         -1 = null
//   key: bytes
//   valueLength: varint       -1 = null
//   value: bytes
//   headerCount: varint
//   headers: [headerKeyLength: varint, headerKey: UTF-8, headerValueLength: varint (-1 = null), value]

extension Record {
    /// Reads one record from the front of `buffer`.
    ///
    /// The length prefix is checked against what is left and against what the fields
    /// inside actually took, as Kafka's DefaultRecord.readFrom does: a record whose
    /// length lies is corrupt even when its fields happen to parse.
    static func read(from buffer: inout ByteBuffer) throws -> Record {
        let start = buffer.readerIndex
        let length = try buffer.readVarint()
        guard length >= 0 else {
            throw KafkaProtocolError(.corruptBatch("record length \(length) is negative"), offset: start)
        }
        guard var body = buffer.readSlice(length: Int(length)) else {
            throw KafkaProtocolError(
                .corruptBatch("record length \(length) runs past the end of the records (\(buffer.readableBytes) bytes left)"),
                offset: start)
        }
        let bodyStart = buffer.readerIndex - Int(length)
        let record: Record
        do {
            record = try readBody(from: &body)
        } catch var error as KafkaProtocolError {
            // Positions inside the body slice are relative to it; report them in `buffer`.
            if let offset = error.offset { error.offset = bodyStart + offset }
            if case .truncated = error.kind {
                error.kind = .corruptBatch("record length \(length) is shorter than its fields")
                error.offset = start
            }
            throw error
        }
        guard body.readableBytes == 0 else {
            throw KafkaProtocolError(
                .corruptBatch("record length \(length) but its fields take \(Int(length) - body.readableBytes) bytes"),
                offset: start)
        }
        return record
    }

    private static func readBody(from body: inout ByteBuffer) throws -> Record {
        let attributes = try body.readKafkaInteger(as: Int8.self)
        let timestampDelta = try body.readVarlong()
        let offsetDelta = try body.readVarint()
        let key = try readNullableBytes(from: &body, field: "key")
        let value = try readNullableBytes(from: &body, field: "value")
        let countIndex = body.readerIndex
        let headerCount = try body.readVarint()
        // A header takes at least two bytes, so a count above that is a lie: checked
        // before reserving space for it.
        guard headerCount >= 0, Int(headerCount) <= body.readableBytes / 2 else {
            throw KafkaProtocolError(.corruptBatch("invalid header count \(headerCount)"), offset: countIndex)
        }
        var headers: [RecordHeader] = []
        headers.reserveCapacity(Int(headerCount))
        for _ in 0..<headerCount {
            let keyIndex = body.readerIndex
            guard let keyBytes = try readNullableBytes(from: &body, field: "header key") else {
                throw KafkaProtocolError(.corruptBatch("header key is null"), offset: keyIndex)
            }
            guard let headerKey = String(validating: keyBytes.readableBytesView, as: UTF8.self) else {
                throw KafkaProtocolError(.invalidUTF8, offset: keyIndex)
            }
            let headerValue = try readNullableBytes(from: &body, field: "header value")
            headers.append(RecordHeader(key: headerKey, value: headerValue))
        }
        return Record(
            key: key, value: value, headers: headers, timestampDelta: timestampDelta, offsetDelta: offsetDelta,
            attributes: attributes)
    }

    /// A varint length and that many bytes; -1 is null, other negative lengths are corrupt.
    private static func readNullableBytes(from body: inout ByteBuffer, field: String) throws -> ByteBuffer? {
        let start = body.readerIndex
        let length = try body.readVarint()
        if length == -1 { return nil }
        guard length >= 0 else {
            throw KafkaProtocolError(.corruptBatch("\(field) length \(length) is negative"), offset: start)
        }
        guard let bytes = body.readSlice(length: Int(length)) else {
            throw KafkaProtocolError(
                .corruptBatch("\(field) length \(length) runs past the end of the record"), offset: start)
        }
        return bytes
    }

    // MARK: Encoding

    /// Size of the record after its length prefix.
    var bodySize: Int {
        var size = 1 + ByteBuffer.varlongSize(timestampDelta) + ByteBuffer.varintSize(offsetDelta)
        size += Self.nullableBytesSize(key?.readableBytes) + Self.nullableBytesSize(value?.readableBytes)
        size += ByteBuffer.varintSize(Int32(headers.count))
        for header in headers {
            size += Self.nullableBytesSize(header.key.utf8.count) + Self.nullableBytesSize(header.value?.readableBytes)
        }
        return size
    }

    /// Size of the record on the wire, length prefix included.
    var encodedSize: Int {
        let body = bodySize
        return ByteBuffer.varintSize(Int32(body)) + body
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeVarint(Int32(bodySize))
        buffer.writeInteger(attributes)
        buffer.writeVarlong(timestampDelta)
        buffer.writeVarint(offsetDelta)
        Self.writeNullableBytes(key, to: &buffer)
        Self.writeNullableBytes(value, to: &buffer)
        buffer.writeVarint(Int32(headers.count))
        for header in headers {
            buffer.writeVarint(Int32(header.key.utf8.count))
            buffer.writeString(header.key)
            Self.writeNullableBytes(header.value, to: &buffer)
        }
    }

    private static func nullableBytesSize(_ length: Int?) -> Int {
        guard let length else { return ByteBuffer.varintSize(-1) }
        return ByteBuffer.varintSize(Int32(length)) + length
    }

    private static func writeNullableBytes(_ bytes: ByteBuffer?, to buffer: inout ByteBuffer) {
        guard let bytes else {
            buffer.writeVarint(-1)
            return
        }
        buffer.writeVarint(Int32(bytes.readableBytes))
        buffer.writeImmutableBuffer(bytes)
    }
}
