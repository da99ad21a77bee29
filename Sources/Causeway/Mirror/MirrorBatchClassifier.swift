import KafkaProtocol
import NIOCore

/// Decides, for each fetched source batch, how it reaches the destination so that the
/// destination's log end advances by exactly the batch's source offsets (DESIGN.md,
/// fidelity table; KAFKA-RULES "What the broker checks on a Produce from a client").
///
/// Pure: no I/O, no clock. The fast path reads the 61-byte header only; records are
/// decoded (and decompressed) only for batches that must be re-encoded.
///
/// | source batch | plan | fidelity |
/// |---|---|---|
/// | data, CreateTime, `lastOffsetDelta == recordCount - 1`, starting at the position | `.passthrough` | exact |
/// | LogAppendTime | `.rewritten(convertedLogAppendTime)`: CreateTime, every record's timestamp = maxTimestamp | records |
/// | holes (`lastOffsetDelta != recordCount - 1`) or empty (count 0) | `.rewritten(filledOffsets)`: fillers at the missing offsets, same codec | filled |
/// | starts before the position (log start inside the batch) | `.rewritten(trimmedOffsets)`: records from the position on | records |
/// | transactional data | `.transactionalData` (holes filled, if any) | records |
/// | transaction marker | `.transactionMarker` with its COMMIT/ABORT type | records |
/// | other control batch (not written by Kafka into user topics) | `.fillers(.orphanMarker)` | filled |
///
/// Inner offset deltas. A broker re-encodes a *compressed* batch whose inner deltas are
/// not 0, 1, 2, ... (rule 12), so a compressed batch stored on the source with a
/// consistent header has contiguous deltas: trusting the header is exact. An
/// *uncompressed* batch is stored as sent, inner deltas unchecked (FINDINGS b: deltas
/// 0,2,3 accepted), and a destination broker does the same, so passing it through
/// reproduces the source byte for byte whatever its deltas. Either way decoding the
/// records to check is unnecessary; the Produce response's base offset is checked for
/// every batch regardless.
///
/// Producer fields. A rewritten batch keeps producerId, epoch and baseSequence, and a
/// filled batch covers every offset from baseOffset to the source lastOffset, so its
/// sequence range (baseSequence ... baseSequence + lastOffsetDelta) is the source's:
/// the destination's producer state stays in step and the producer's next source batch
/// is in sequence. (Kafka's cleaner keeps lastOffsetDelta for exactly that reason.)
/// A trimmed batch advances baseSequence by the records it drops.
public struct MirrorBatchClassifier: Sendable {
    /// The most bytes a batch's records may take decompressed when it must be re-encoded.
    public var maxDecompressedSize: Int

    public init(maxDecompressedSize: Int = 64 << 20) {
        self.maxDecompressedSize = maxDecompressedSize
    }

    /// The plan for `batch`, which must cover `position` or start after it.
    ///
    /// - Parameter position: the first offset the destination still needs; records
    ///   before it are dropped (a fetch from an offset inside a batch returns the whole
    ///   batch, FINDINGS e). Nil: the batch's own baseOffset.
    /// - Throws: `MirrorBatchError` when the batch ends before `position` or cannot be
    ///   re-encoded (corrupt records, an undecodable marker).
    public func plan(_ batch: RecordBatch, from position: Int64? = nil) throws -> BatchPlan {
        let start = max(position ?? batch.baseOffset, batch.baseOffset)
        guard start <= batch.lastOffset else {
            throw MirrorBatchError(
                offset: batch.baseOffset, "batch \(batch.baseOffset)...\(batch.lastOffset) ends before position \(start)")
        }
        let trimmed = start - batch.baseOffset
        let offsetCount = batch.lastOffset - start + 1
        let contiguous = batch.recordCount > 0 && Int64(batch.lastOffsetDelta) == Int64(batch.recordCount) - 1

        func plan(_ kind: BatchPlan.Kind, _ sent: RecordBatch) -> BatchPlan {
            BatchPlan(kind: kind, baseOffset: start, offsetCount: offsetCount, batch: sent, sourceBytes: batch.sizeInBytes)
        }

        if batch.isControl {
            return try controlPlan(batch, from: start, offsetCount: offsetCount)
        }
        if batch.isTransactional {
            let producer = ProducerKey(producerId: batch.producerId, producerEpoch: batch.producerEpoch)
            guard !contiguous || trimmed > 0 else {
                return plan(.transactionalData(TransactionalBatch(producer: producer)), batch)
            }
            let rebuilt = try rebuild(batch, from: start, convertLogAppendTime: false)
            return plan(.transactionalData(TransactionalBatch(producer: producer, filledOffsets: rebuilt.filled)), rebuilt.batch)
        }
        let logAppendTime = batch.timestampType == .logAppendTime
        if contiguous && trimmed == 0 && !logAppendTime {
            return plan(.passthrough, batch)
        }
        let rebuilt = try rebuild(batch, from: start, convertLogAppendTime: logAppendTime)
        let rewrite = BatchPlan.Rewrite(
            convertedLogAppendTime: logAppendTime, filledOffsets: rebuilt.filled, trimmedOffsets: Int(trimmed))
        return plan(.rewritten(rewrite), rebuilt.batch)
    }

    /// A control batch: a transaction marker when it is one (transactional bit, a
    /// COMMIT/ABORT record), otherwise fillers (an empty marker batch left by the
    /// cleaner, or a control type Kafka only writes into its internal logs).
    private func controlPlan(_ batch: RecordBatch, from start: Int64, offsetCount: Int64) throws -> BatchPlan {
        if batch.isTransactional, batch.recordCount > 0 {
            let markers: [ControlRecord]
            do {
                markers = try batch.controlRecords()
            } catch {
                throw MirrorBatchError(offset: batch.baseOffset, "undecodable transaction marker: \(error)")
            }
            if let marker = markers.first, marker.type == .commit || marker.type == .abort {
                let producer = ProducerKey(producerId: batch.producerId, producerEpoch: batch.producerEpoch)
                return BatchPlan(
                    kind: .transactionMarker(TransactionMarker(producer: producer, type: marker.type)),
                    baseOffset: start, offsetCount: offsetCount, batch: batch, sourceBytes: batch.sizeInBytes)
            }
        }
        var fillers = try FillerBatches.make(
            from: start, to: start + offsetCount, reason: .orphanMarker, maxRecordsPerBatch: Int(offsetCount),
            codec: .none)
        fillers[0].sourceBytes = batch.sizeInBytes
        return fillers[0]
    }

    /// The batch re-encoded from `start` on: records at their offsets, fillers at every
    /// offset without one, up to the source lastOffset; same codec, attributes, producer
    /// fields (baseSequence advanced past trimmed records), baseTimestamp.
    ///
    /// LogAppendTime conversion: in a LogAppendTime batch readers ignore the records'
    /// timestamp deltas and use maxTimestamp (the append time) for every record. As
    /// CreateTime, each record gets timestampDelta = maxTimestamp - baseTimestamp, so
    /// baseTimestamp + delta is that same append time; baseTimestamp is kept because with
    /// the delete-horizon bit (KIP-534) it holds the horizon, not a record time.
    func rebuild(_ batch: RecordBatch, from start: Int64, convertLogAppendTime: Bool) throws -> (
        batch: RecordBatch, filled: Int
    ) {
        let records: [Record]
        do {
            records = batch.recordCount > 0 ? try batch.records(maxDecompressedSize: maxDecompressedSize) : []
        } catch {
            throw MirrorBatchError(offset: batch.baseOffset, "cannot re-encode: \(error)")
        }
        let cut = Int32(start - batch.baseOffset)
        let lastDelta = batch.lastOffsetDelta - cut
        var builder = RecordBatchBuilder(
            baseTimestamp: batch.baseTimestamp, codec: batch.codec, baseOffset: start,
            partitionLeaderEpoch: batch.partitionLeaderEpoch, producerId: batch.producerId,
            producerEpoch: batch.producerEpoch,
            baseSequence: batch.producerId >= 0 && batch.baseSequence >= 0
                ? Self.sequence(batch.baseSequence, plus: Int64(cut)) : batch.baseSequence,
            isTransactional: batch.isTransactional,
            timestampType: convertLogAppendTime ? .createTime : batch.timestampType)
        builder.hasDeleteHorizon = batch.hasDeleteHorizon
        builder.lastOffsetDelta = lastDelta

        var filled = 0
        var next: Int32 = 0
        var largestKeptTimestamp: Int64?
        for var record in records {
            let delta = record.offsetDelta - cut
            guard delta >= 0 else { continue }  // before the position: trimmed
            guard delta >= next, delta <= lastDelta else {
                throw MirrorBatchError(
                    offset: batch.baseOffset,
                    "record offset delta \(record.offsetDelta) out of order or past lastOffsetDelta \(batch.lastOffsetDelta)")
            }
            while next < delta {
                builder.append(FillerRecord.record(offsetDelta: next, baseTimestamp: batch.baseTimestamp))
                filled += 1
                next += 1
            }
            record.offsetDelta = delta
            if convertLogAppendTime {
                record.timestampDelta = batch.maxTimestamp &- batch.baseTimestamp
            }
            let timestamp = batch.baseTimestamp &+ record.timestampDelta
            largestKeptTimestamp = max(largestKeptTimestamp ?? timestamp, timestamp)
            builder.append(record)
            next = delta + 1
        }
        while next <= lastDelta {
            builder.append(FillerRecord.record(offsetDelta: next, baseTimestamp: batch.baseTimestamp))
            filled += 1
            next += 1
        }
        // maxTimestamp: the source's unless records were dropped from the front (then the
        // largest kept record time). Fillers (-1) never raise it.
        builder.maxTimestamp = cut == 0 || convertLogAppendTime ? batch.maxTimestamp : (largestKeptTimestamp ?? -1)
        do {
            return (try builder.build(), filled)
        } catch {
            throw MirrorBatchError(offset: batch.baseOffset, "cannot re-encode: \(error)")
        }
    }

    /// `plan` with the producer fields removed (-1/-1/-1, CRC recomputed), so the
    /// destination accepts it whatever sequence it expects from that producer. Plans
    /// without a sequenced producer are returned as they are.
    public func strippingProducer(_ plan: BatchPlan) -> BatchPlan {
        guard plan.sequencedProducer != nil else { return plan }
        var stripped = plan
        stripped.batch.setHeader(producerId: -1, producerEpoch: -1, baseSequence: -1)
        switch plan.kind {
        case .passthrough:
            stripped.kind = .rewritten(BatchPlan.Rewrite(strippedProducer: true))
        case .rewritten(var rewrite):
            rewrite.strippedProducer = true
            stripped.kind = .rewritten(rewrite)
        case .fillers, .transactionalData, .transactionMarker:
            return plan
        }
        return stripped
    }

    /// `sequence + n`, wrapping after Int32.max to 0 as Kafka's sequences do.
    static func sequence(_ sequence: Int32, plus n: Int64) -> Int32 {
        Int32((Int64(sequence) + n) % (Int64(Int32.max) + 1))
    }
}
