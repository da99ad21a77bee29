import NIOCore

/// Builds a v2 record batch with every header field under the caller's control.
///
/// The builder computes what follows from the records: recordCount, lastOffsetDelta
/// (the last record's offset delta), maxTimestamp (baseTimestamp plus the largest
/// timestamp delta), batchLength and the CRC; lastOffsetDelta and maxTimestamp can
/// be overridden. Offset deltas are 0, 1, 2, ... unless given: a batch rebuilt from
/// a compacted log keeps its records at their original deltas, with holes or fillers.
///
/// ```swift
/// var builder = RecordBatchBuilder(baseTimestamp: now, codec: .zstd)
/// builder.append(key: key, value: value)
/// let batch = try builder.build()
/// ```
public struct RecordBatchBuilder: Sendable {
    public var baseOffset: Int64
    public var partitionLeaderEpoch: Int32
    public var attributes: RecordBatchAttributes
    public var baseTimestamp: Int64
    /// Nil: baseTimestamp plus the largest timestamp delta (baseTimestamp for no records).
    public var maxTimestamp: Int64?
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    /// Nil: the offset delta of the last record (0 for no records).
    public var lastOffsetDelta: Int32?
    public private(set) var records: [Record] = []

    public init(
        baseTimestamp: Int64,
        codec: CompressionCodec = .none,
        baseOffset: Int64 = 0,
        partitionLeaderEpoch: Int32 = -1,
        producerId: Int64 = -1,
        producerEpoch: Int16 = -1,
        baseSequence: Int32 = -1,
        isTransactional: Bool = false,
        timestampType: TimestampType = .createTime
    ) {
        self.baseOffset = baseOffset
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.attributes = RecordBatchAttributes(
            codec: codec, timestampType: timestampType, isTransactional: isTransactional)
        self.baseTimestamp = baseTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
    }

    public var codec: CompressionCodec {
        get { attributes.codec }
        set { attributes.codec = newValue }
    }

    public var timestampType: TimestampType {
        get { attributes.timestampType }
        set { attributes.timestampType = newValue }
    }

    public var isTransactional: Bool {
        get { attributes.isTransactional }
        set { attributes.isTransactional = newValue }
    }

    public var isControl: Bool {
        get { attributes.isControl }
        set { attributes.isControl = newValue }
    }

    public var hasDeleteHorizon: Bool {
        get { attributes.hasDeleteHorizon }
        set { attributes.hasDeleteHorizon = newValue }
    }

    /// Appends a record as it is, offset delta included.
    public mutating func append(_ record: Record) {
        records.append(record)
    }

    /// Appends a record. Without `offsetDelta` it takes the delta after the previous
    /// record's (0 for the first), so a batch built without deltas counts 0, 1, 2, ...
    public mutating func append(
        key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = [], timestampDelta: Int64 = 0,
        offsetDelta: Int32? = nil, attributes: Int8 = 0
    ) {
        let delta = offsetDelta ?? records.last.map { $0.offsetDelta + 1 } ?? 0
        records.append(
            Record(
                key: key, value: value, headers: headers, timestampDelta: timestampDelta, offsetDelta: delta,
                attributes: attributes))
    }

    /// Encodes the batch: header, records (compressed with the codec of `attributes`), CRC.
    ///
    /// - Throws: `.unencodable` when offset deltas are negative or not increasing, or the
    ///   batch would exceed the int32 size limit; `.compression` if compression fails.
    public func build() throws -> RecordBatch {
        var previousDelta: Int32 = -1
        var recordsSize = 0
        for record in records {
            guard record.offsetDelta > previousDelta else {
                throw KafkaProtocolError(
                    .unencodable("offset delta \(record.offsetDelta) after \(previousDelta): deltas must increase from 0"))
            }
            previousDelta = record.offsetDelta
            recordsSize += record.encodedSize
        }
        guard recordsSize <= Int(Int32.max) - RecordBatch.headerSize else {
            throw KafkaProtocolError(.unencodable("records take \(recordsSize) bytes, more than a batch can hold"))
        }

        var section = ByteBuffer()
        section.reserveCapacity(recordsSize)
        for record in records {
            record.write(to: &section)
        }
        section = try attributes.codec.compress(section)
        guard section.readableBytes <= Int(Int32.max) - RecordBatch.headerSize else {
            throw KafkaProtocolError(.unencodable("compressed records take \(section.readableBytes) bytes"))
        }

        let largestTimestampDelta = records.lazy.map(\.timestampDelta).max() ?? 0
        var bytes = ByteBuffer()
        bytes.reserveCapacity(RecordBatch.headerSize + section.readableBytes)
        bytes.writeInteger(baseOffset)
        bytes.writeInteger(Int32(RecordBatch.headerSize - RecordBatch.logOverhead + section.readableBytes))
        bytes.writeInteger(partitionLeaderEpoch)
        bytes.writeInteger(RecordBatch.currentMagic)
        bytes.writeInteger(UInt32(0))  // CRC, filled in below
        bytes.writeInteger(attributes.rawValue)
        bytes.writeInteger(lastOffsetDelta ?? records.last?.offsetDelta ?? 0)
        bytes.writeInteger(baseTimestamp)
        bytes.writeInteger(maxTimestamp ?? baseTimestamp &+ largestTimestampDelta)
        bytes.writeInteger(producerId)
        bytes.writeInteger(producerEpoch)
        bytes.writeInteger(baseSequence)
        bytes.writeInteger(Int32(records.count))
        bytes.writeImmutableBuffer(section)
        bytes.updateRecordBatchCRC(at: bytes.readerIndex, size: bytes.readableBytes)
        return RecordBatch(unchecked: bytes)
    }

    /// A transaction marker batch laid out as a Kafka 4.0 transaction coordinator
    /// writes it: attributes transactional + control (0x0030), one record at offset
    /// delta 0 with a 4-byte key and 6-byte value, baseSequence -1, baseTimestamp =
    /// maxTimestamp = `timestamp`, no compression.
    public static func controlBatch(
        _ marker: ControlRecord,
        producerId: Int64,
        producerEpoch: Int16,
        timestamp: Int64,
        baseOffset: Int64 = 0,
        partitionLeaderEpoch: Int32 = -1
    ) throws -> RecordBatch {
        var builder = RecordBatchBuilder(
            baseTimestamp: timestamp, baseOffset: baseOffset, partitionLeaderEpoch: partitionLeaderEpoch,
            producerId: producerId, producerEpoch: producerEpoch, baseSequence: -1, isTransactional: true)
        builder.isControl = true
        builder.append(marker.record)
        return try builder.build()
    }
}
