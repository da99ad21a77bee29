import NIOCore

/// One record of a v2 batch.
///
/// Offsets and timestamps are stored as deltas from the batch header; `offset(in:)`
/// and `timestamp(in:)` give the absolute values. Keys, values and header values are
/// slices of the batch (or of its decompressed records), not copies.
public struct Record: Hashable, Sendable {
    /// Unused by Kafka so far; kept so a rebuilt record is byte-identical.
    public var attributes: Int8
    public var timestampDelta: Int64
    public var offsetDelta: Int32
    /// Nil is a null key (length -1 on the wire), distinct from an empty key.
    public var key: ByteBuffer?
    /// Nil is a null value: a tombstone in a compacted topic.
    public var value: ByteBuffer?
    public var headers: [RecordHeader]

    public init(
        key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader] = [], timestampDelta: Int64 = 0,
        offsetDelta: Int32, attributes: Int8 = 0
    ) {
        self.attributes = attributes
        self.timestampDelta = timestampDelta
        self.offsetDelta = offsetDelta
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The record's offset in the partition.
    public func offset(in batch: RecordBatch) -> Int64 {
        offset(baseOffset: batch.baseOffset)
    }

    public func offset(baseOffset: Int64) -> Int64 {
        baseOffset + Int64(offsetDelta)
    }

    /// The record's timestamp as a consumer sees it: for LogAppendTime batches that is
    /// the batch's maxTimestamp (the append time), whatever the delta says.
    public func timestamp(in batch: RecordBatch) -> Int64 {
        switch batch.timestampType {
        case .logAppendTime: batch.maxTimestamp
        case .createTime: batch.baseTimestamp + timestampDelta
        }
    }
}

/// A record header: a string key and an optional byte value.
public struct RecordHeader: Hashable, Sendable {
    public var key: String
    public var value: ByteBuffer?

    public init(key: String, value: ByteBuffer?) {
        self.key = key
        self.value = value
    }
}
