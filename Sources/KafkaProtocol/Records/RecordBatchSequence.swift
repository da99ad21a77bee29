import NIOCore

/// The record batches of a Fetch response's `records` field, split without copying.
///
/// A broker fills a Fetch response up to the size limit and may cut the last batch
/// short; Kafka's clients skip that partial batch and fetch it again from its offset.
/// So a partial batch at the end is not an error: iteration stops before it and
/// `truncatedBytes` says how many bytes were left over. Bytes that cannot be a batch
/// (a batchLength below the header size, magic 0 or 1) are errors.
///
/// ```swift
/// var batches = RecordBatchSequence(records).makeIterator()
/// while let batch = try batches.next() { ... }
/// if batches.truncatedBytes > 0 { /* fetch again from the last nextOffset */ }
/// ```
///
/// This is not a Swift `Sequence` because reading a batch can throw.
public struct RecordBatchSequence: Sendable {
    /// The records field as received.
    public let records: ByteBuffer

    public init(_ records: ByteBuffer) {
        self.records = records
    }

    public func makeIterator() -> RecordBatchIterator {
        RecordBatchIterator(records)
    }

    /// Every complete batch, and the size of the partial batch after them (0 if none).
    public func split() throws -> (batches: [RecordBatch], truncatedBytes: Int) {
        var iterator = makeIterator()
        var batches: [RecordBatch] = []
        while let batch = try iterator.next() {
            batches.append(batch)
        }
        return (batches, iterator.truncatedBytes)
    }
}

/// Reads the batches of a records field one at a time; see `RecordBatchSequence`.
public struct RecordBatchIterator: Sendable {
    private var remaining: ByteBuffer
    private var finished = false

    init(_ records: ByteBuffer) {
        remaining = records
    }

    /// The next complete batch, or nil at the end of the complete batches.
    ///
    /// - Throws: `KafkaProtocolError` (with the batch's base offset) when the bytes at
    ///   the current position are not a v2 batch. Once it has thrown, or returned nil,
    ///   it keeps returning nil.
    public mutating func next() throws -> RecordBatch? {
        guard !finished else { return nil }
        do {
            if let batch = try RecordBatch.read(from: &remaining) {
                return batch
            }
        } catch {
            finished = true
            throw error
        }
        finished = true
        return nil
    }

    /// Bytes after the last complete batch (a partial batch); meaningful once `next()` returned nil.
    public var truncatedBytes: Int {
        finished ? remaining.readableBytes : 0
    }

    /// Index (in the records buffer) of the first byte not yet returned as a batch.
    public var position: Int {
        remaining.readerIndex
    }
}
