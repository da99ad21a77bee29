import KafkaProtocol
import NIOCore

/// Decides, batch by batch, what of a segment survives a cleaning pass, and writes the
/// survivors (Kafka's `Cleaner.cleanInto` filter with `MemoryRecords.filterTo`).
///
/// What stays, as in Kafka 4.0:
/// - A data record stays when its offset is the latest for its key in the offset map
///   (or lies past what the map covers), and it has a value, or it is a tombstone whose
///   batch has no delete horizon yet or one still in the future. Null-key records go.
/// - Batches of aborted transactions go whole. A marker stays while batches of its
///   transaction remain, and then until its delete horizon has passed.
/// - A batch keeps its baseOffset, lastOffsetDelta, partitionLeaderEpoch, producer id,
///   epoch, baseSequence, attributes and codec; surviving records keep their offset
///   deltas, so holes appear where records went. A batch that loses nothing and needs
///   no horizon is copied byte for byte.
/// - The first cleaning that keeps a tombstone (or a marker whose transaction's data is
///   gone) sets the delete horizon (KIP-534): attribute bit 6, and baseTimestamp =
///   now + `delete.retention.ms`, the record timestamps re-based on it.
/// - A batch that loses every record is dropped, unless it holds an active producer's
///   last data offset (or is the last marker of a producer without data), or ends
///   exactly at the round's upper bound (KAFKA-17076, in 4.0: keeps the log end offset
///   information). Such a batch stays as a 61-byte header with no records: codec none,
///   baseTimestamp -1, maxTimestamp, producer fields and offsets of the original.
struct CleanerBatchFilter {
    enum Outcome {
        /// Gone entirely (a hole of `lastOffsetDelta + 1` offsets).
        case deleted
        /// Copied unchanged.
        case retained(ByteBuffer)
        /// Rebuilt with fewer records and/or a delete horizon.
        case rebuilt(ByteBuffer, recordsRetained: Int)
        /// Kept as a header without records.
        case emptied(ByteBuffer)
    }

    let map: OffsetMap
    let nowMilliseconds: Int64
    let deleteRetentionMilliseconds: Int64
    let lastRecordsOfActiveProducers: [Int64: ProducerLastRecord]
    /// The first uncleanable offset of this pass.
    let upperBoundOffset: Int64
    /// Records are decoded in full; a batch is at most a segment.
    let maxDecompressedSize: Int

    func filter(_ batch: RecordBatch, transactions: inout CleanedTransactionMetadata) throws -> Outcome {
        let canDiscardBatch = batch.isControl
            ? transactions.onControlBatchRead(batch) : transactions.onBatchRead(batch)
        let discardRecords = batch.isControl
            ? canDiscardBatch && batch.hasDeleteHorizon && batch.baseTimestamp <= nowMilliseconds
            : canDiscardBatch

        enum Retention { case delete, deleteEmpty, retainEmpty }
        let retention: Retention
        if batch.producerId >= 0, isLastRecordOfProducer(batch) {
            retention = .retainEmpty
        } else if batch.nextOffset == upperBoundOffset {
            retention = .retainEmpty
        } else if discardRecords {
            retention = .delete
        } else {
            retention = .deleteEmpty
        }
        if retention == .delete { return .deleted }

        let records = try batch.records(maxDecompressedSize: maxDecompressedSize)
        let retained = records.filter { record in
            if discardRecords { return false }
            if batch.isControl { return true }
            return shouldRetain(record, in: batch)
        }

        if !retained.isEmpty {
            let containsTombstones = retained.contains { $0.value == nil }
            let containsMarkerForEmptyTransaction = canDiscardBatch && batch.isControl
            let needsDeleteHorizon = (containsTombstones || containsMarkerForEmptyTransaction) && !batch.hasDeleteHorizon
            if retained.count == records.count && !needsDeleteHorizon {
                return .retained(batch.bytes)
            }
            let horizon: Int64? = needsDeleteHorizon
                ? nowMilliseconds &+ deleteRetentionMilliseconds
                : (batch.hasDeleteHorizon ? batch.baseTimestamp : nil)
            return .rebuilt(try rebuild(batch, keeping: retained, deleteHorizon: horizon), recordsRetained: retained.count)
        }
        if retention == .retainEmpty {
            return .emptied(try emptyHeader(of: batch))
        }
        return .deleted
    }

    /// Kafka's `isBatchLastRecordOfProducer`.
    private func isLastRecordOfProducer(_ batch: RecordBatch) -> Bool {
        guard let last = lastRecordsOfActiveProducers[batch.producerId] else { return false }
        if let offset = last.lastDataOffset { return batch.lastOffset == offset }
        return batch.isControl && batch.producerEpoch == last.producerEpoch
    }

    /// Kafka's `Cleaner.shouldRetainRecord` for v2 batches.
    private func shouldRetain(_ record: Record, in batch: RecordBatch) -> Bool {
        let offset = record.offset(in: batch)
        if offset > map.latestOffset { return true }
        // Compacted topics refuse null keys on produce; one here is invalid and goes.
        guard let key = record.key else { return false }
        let isLatestForKey = offset >= map.offset(of: key)
        let retainTombstone = !batch.hasDeleteHorizon || nowMilliseconds < batch.baseTimestamp
        return isLatestForKey && (record.value != nil || retainTombstone)
    }

    /// The batch re-encoded with only `records`, as Kafka's `MemoryRecordsBuilder` does:
    /// same codec, offsets and producer fields; lastOffsetDelta kept (the producer's last
    /// sequence is baseSequence + lastOffsetDelta); baseTimestamp the delete horizon or
    /// the first kept record's timestamp; record attributes 0.
    private func rebuild(_ batch: RecordBatch, keeping records: [Record], deleteHorizon: Int64?) throws -> ByteBuffer {
        let timestamps = records.map { $0.timestamp(in: batch) }
        let baseTimestamp = deleteHorizon ?? timestamps[0]
        var builder = RecordBatchBuilder(
            baseTimestamp: baseTimestamp, codec: batch.codec, baseOffset: batch.baseOffset,
            partitionLeaderEpoch: batch.partitionLeaderEpoch, producerId: batch.producerId,
            producerEpoch: batch.producerEpoch, baseSequence: batch.baseSequence,
            isTransactional: batch.isTransactional, timestampType: batch.timestampType)
        builder.isControl = batch.isControl
        builder.hasDeleteHorizon = deleteHorizon != nil
        builder.lastOffsetDelta = batch.lastOffsetDelta
        builder.maxTimestamp = batch.timestampType == .logAppendTime ? batch.maxTimestamp : timestamps.max()
        for (record, timestamp) in zip(records, timestamps) {
            builder.append(Record(key: record.key, value: record.value, headers: record.headers,
                                  timestampDelta: timestamp &- baseTimestamp, offsetDelta: record.offsetDelta))
        }
        return try builder.build().bytes
    }

    /// Kafka's `DefaultRecordBatch.writeEmptyHeader`.
    private func emptyHeader(of batch: RecordBatch) throws -> ByteBuffer {
        var builder = RecordBatchBuilder(
            baseTimestamp: BatchHeader.noTimestamp, codec: .none, baseOffset: batch.baseOffset,
            partitionLeaderEpoch: batch.partitionLeaderEpoch, producerId: batch.producerId,
            producerEpoch: batch.producerEpoch, baseSequence: batch.baseSequence,
            isTransactional: batch.isTransactional, timestampType: batch.timestampType)
        builder.isControl = batch.isControl
        builder.lastOffsetDelta = batch.lastOffsetDelta
        builder.maxTimestamp = batch.maxTimestamp
        return try builder.build().bytes
    }
}
