import NIOCore

/// One v2 record batch: a read-only view over its bytes in a `ByteBuffer`.
///
/// Creating one copies nothing: `bytes` is a slice of the buffer it was read from
/// (typically a Fetch response), so a batch can be passed on to a Produce request
/// exactly as it arrived. Header fields are read from the bytes on each access.
///
/// Parsing checks what is needed to know where the batch ends and how to read it:
/// the length, magic 2, and a defined codec. The CRC is checked only on request
/// (`verifyCRC()`), and records only when `records(maxDecompressedSize:)` decodes them.
public struct RecordBatch: Hashable, Sendable {
    /// The whole batch, header included: readable bytes are exactly the batch.
    public internal(set) var bytes: ByteBuffer

    /// Parses the batch that fills the readable bytes of `buffer` exactly.
    ///
    /// - Throws: `KafkaProtocolError` with the batch's base offset: `.truncated` when
    ///   the header does not fit, `.unsupportedMagic` for a legacy message set,
    ///   `.corruptBatch` when batchLength disagrees with the buffer's size or the codec
    ///   bits are undefined.
    public init(validating buffer: ByteBuffer) throws {
        var remaining = buffer
        guard let batch = try Self.read(from: &remaining) else {
            throw Self.headerError(buffer)
        }
        guard remaining.readableBytes == 0 else {
            throw KafkaProtocolError(
                .corruptBatch(
                    "batchLength \(batch.batchLength) covers \(batch.bytes.readableBytes) bytes but the buffer holds \(buffer.readableBytes)"),
                offset: buffer.readerIndex, batchBaseOffset: batch.baseOffset)
        }
        self = batch
    }

    /// Wraps bytes already known to hold one valid batch (built or checked by this module).
    init(unchecked bytes: ByteBuffer) {
        self.bytes = bytes
    }

    /// Reads the batch at the front of `buffer` and moves its reader index past it.
    ///
    /// Returns nil, consuming nothing, when the readable bytes end inside the batch:
    /// a broker cuts the last batch of a Fetch response at the size limit, and that
    /// partial batch is not an error. A batchLength below the header size or a wrong
    /// magic is an error, because it means the bytes are not a batch at all.
    public static func read(from buffer: inout ByteBuffer) throws -> RecordBatch? {
        let start = buffer.readerIndex
        guard buffer.readableBytes >= logOverhead else { return nil }
        let baseOffset = buffer.getInteger(at: start + Field.baseOffset, as: Int64.self)!
        let batchLength = buffer.getInteger(at: start + Field.batchLength, as: Int32.self)!
        guard batchLength >= minimumBatchLength else {
            throw KafkaProtocolError(
                .corruptBatch("batchLength \(batchLength) is below the minimum of \(minimumBatchLength)"),
                offset: start + Field.batchLength, batchBaseOffset: baseOffset)
        }
        guard buffer.readableBytes >= bytesToMagic else { return nil }
        let magic = buffer.getInteger(at: start + Field.magic, as: Int8.self)!
        guard magic == currentMagic else {
            throw KafkaProtocolError(.unsupportedMagic(magic), offset: start + Field.magic, batchBaseOffset: baseOffset)
        }
        let size = logOverhead + Int(batchLength)
        guard buffer.readableBytes >= size else { return nil }
        let attributes = buffer.getInteger(at: start + Field.attributes, as: Int16.self)!
        guard RecordBatchAttributes(rawValue: attributes) != nil else {
            throw KafkaProtocolError(
                .corruptBatch("attributes 0x\(String(UInt16(bitPattern: attributes), radix: 16)) name no compression codec"),
                offset: start + Field.attributes, batchBaseOffset: baseOffset)
        }
        return RecordBatch(unchecked: buffer.readSlice(length: size)!)
    }

    /// The error for a buffer that ends inside the header or the batch.
    private static func headerError(_ buffer: ByteBuffer) -> KafkaProtocolError {
        let needed = buffer.readableBytes < logOverhead
            ? headerSize
            : logOverhead + Int(buffer.getInteger(at: buffer.readerIndex + Field.batchLength, as: Int32.self)!)
        var error = KafkaProtocolError(.truncated(needed: needed - buffer.readableBytes), offset: buffer.readerIndex)
        if buffer.readableBytes >= 8 {
            error.batchBaseOffset = buffer.getInteger(at: buffer.readerIndex, as: Int64.self)
        }
        return error
    }

    // MARK: Header fields

    private func field<T: FixedWidthInteger>(_ position: Int, as type: T.Type = T.self) -> T {
        // In range: every initializer has checked that the header is complete.
        bytes.getInteger(at: bytes.readerIndex + position, as: T.self)!
    }

    /// Offset of the first record (0 in a Produce request; assigned by the broker).
    public var baseOffset: Int64 { field(Field.baseOffset) }
    /// Size of the batch minus the 12 bytes of baseOffset and batchLength.
    public var batchLength: Int32 { field(Field.batchLength) }
    /// Leader epoch of the broker that appended the batch (-1 from a producer).
    public var partitionLeaderEpoch: Int32 { field(Field.partitionLeaderEpoch) }
    public var magic: Int8 { field(Field.magic) }
    /// The stored CRC-32C of bytes 21..end.
    public var crc: UInt32 { field(Field.crc) }
    public var attributes: RecordBatchAttributes { RecordBatchAttributes(rawValue: field(Field.attributes))! }
    /// Offset of the last record minus baseOffset (kept even when compaction removed that record).
    public var lastOffsetDelta: Int32 { field(Field.lastOffsetDelta) }
    /// Timestamp of the first record, or the delete horizon when `attributes.hasDeleteHorizon`.
    public var baseTimestamp: Int64 { field(Field.baseTimestamp) }
    /// The largest record timestamp, or the append time for LogAppendTime batches.
    public var maxTimestamp: Int64 { field(Field.maxTimestamp) }
    /// -1 when the producer is neither idempotent nor transactional.
    public var producerId: Int64 { field(Field.producerId) }
    public var producerEpoch: Int16 { field(Field.producerEpoch) }
    /// Sequence number of the first record, -1 without a producer id.
    public var baseSequence: Int32 { field(Field.baseSequence) }
    /// Number of records the batch says it holds.
    public var recordCount: Int32 { field(Field.recordCount) }

    // MARK: Derived values

    public var codec: CompressionCodec { attributes.codec }
    public var timestampType: TimestampType { attributes.timestampType }
    public var isTransactional: Bool { attributes.isTransactional }
    public var isControl: Bool { attributes.isControl }
    public var hasDeleteHorizon: Bool { attributes.hasDeleteHorizon }

    /// Offset of the last record the batch covers.
    public var lastOffset: Int64 { baseOffset + Int64(lastOffsetDelta) }
    /// The offset right after this batch: where the next batch of the log starts.
    public var nextOffset: Int64 { lastOffset + 1 }
    /// Size of the batch in bytes, header included.
    public var sizeInBytes: Int { bytes.readableBytes }
    /// The records section: the records, or their compressed block when `codec != .none`.
    public var recordsSection: ByteBuffer {
        bytes.getSlice(at: bytes.readerIndex + Field.records, length: bytes.readableBytes - Field.records)!
    }

    // MARK: CRC

    /// The CRC-32C of bytes 21..end, as the header's crc field should hold it.
    public func computeCRC() -> UInt32 {
        CRC32C.checksum(bytes, at: bytes.readerIndex + Self.crcStart, length: bytes.readableBytes - Self.crcStart)!
    }

    /// Throws `.crcMismatch` (with the batch's base offset) unless the stored CRC matches.
    public func verifyCRC() throws {
        let computed = computeCRC()
        guard computed == crc else {
            throw KafkaProtocolError(
                .crcMismatch(stored: crc, computed: computed), offset: bytes.readerIndex + Field.crc,
                batchBaseOffset: baseOffset)
        }
    }
}

extension RecordBatch: CustomStringConvertible {
    public var description: String {
        "RecordBatch(baseOffset: \(baseOffset), lastOffsetDelta: \(lastOffsetDelta), count: \(recordCount), "
            + "attributes: \(attributes), producer: \(producerId)/\(producerEpoch)/\(baseSequence), "
            + "size: \(sizeInBytes))"
    }
}
