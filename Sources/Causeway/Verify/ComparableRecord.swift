import KafkaProtocol
import NIOCore

/// One record as a reader sees it, for comparison across clusters: what was written,
/// without the batch framing a mirror may legitimately change (producer ids of
/// replayed transactions, the timestamp type of LogAppendTime batches, fillers).
struct ComparableRecord: Equatable {
    enum Content: Equatable {
        case data(key: ByteBuffer?, value: ByteBuffer?, headers: [RecordHeader])
        case marker(ControlRecord.ControlType)
    }

    let offset: Int64
    /// What a consumer sees as the record's timestamp (for LogAppendTime batches, the
    /// batch's append time).
    let timestamp: Int64
    let content: Content

    /// The key Causeway's filler records carry (a tombstone, so compaction removes it).
    static let fillerKey = ByteBuffer(string: "__causeway.filler")

    var isFiller: Bool {
        if case .data(let key, let value, _) = content { return key == Self.fillerKey && value == nil }
        return false
    }

    static func records(of batch: RecordBatch) throws -> [ComparableRecord] {
        if batch.isControl {
            let markers = try batch.controlRecords()
            return markers.enumerated().map { index, marker in
                ComparableRecord(offset: batch.baseOffset + Int64(index), timestamp: batch.maxTimestamp, content: .marker(marker.type))
            }
        }
        return try batch.records(maxDecompressedSize: 256 << 20).map { record in
            ComparableRecord(
                offset: record.offset(in: batch), timestamp: record.timestamp(in: batch),
                content: .data(key: record.key, value: record.value, headers: record.headers))
        }
    }

    /// The first field that differs, or nil.
    func difference(from other: ComparableRecord) -> String? {
        switch (content, other.content) {
        case (.data(let key, let value, let headers), .data(let otherKey, let otherValue, let otherHeaders)):
            if key != otherKey { return "key" }
            if value != otherValue { return "value" }
            if headers != otherHeaders { return "headers" }
        case (.marker(let type), .marker(let otherType)):
            // A marker's timestamp is when a coordinator wrote it: on the destination
            // that is the replay's EndTxn, never the source's time. Only the outcome counts.
            return type == otherType ? nil : "transaction marker"
        default:
            return "record kind"
        }
        return timestamp == other.timestamp ? nil : "timestamp"
    }
}
