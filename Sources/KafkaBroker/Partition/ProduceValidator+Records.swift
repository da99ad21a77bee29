import KafkaProtocol
import NIOCore

// The record-level half of Kafka's LogValidator: every record is checked (keys in
// compacted topics, timestamps), then the batch is either kept with at most a header
// rewrite, or rebuilt.
//
// Which one mirrors LogValidator.validateMessagesAndAssignOffsets:
// - batch and topic both uncompressed: kept; inner offset deltas are not looked at,
//   so an uncompressed batch with holes is stored as sent (FINDINGS b).
// - otherwise kept only when the topic's codec is the batch's and the inner offset
//   deltas are 0, 1, 2, ...; else rebuilt. A compressed batch whose codec already
//   matches but whose deltas have holes hits a Kafka 4.0 bug (it rebuilds from
//   records read with keys skipped, and fails with "key is skipped in
//   PartialDefaultRecord"): the client gets UNKNOWN_SERVER_ERROR, and so it does here.

extension ProduceValidator {
    func validateRecords(of batch: RecordBatch, now: Int64) throws(ProduceRejection) -> ValidatedBatch {
        let records = try decodeRecords(of: batch)
        var errors: [(error: ProduceRejection.RecordError, isTimestamp: Bool)] = []
        var maxTimestamp: Int64 = -1  // RecordBatch.NO_TIMESTAMP
        var contiguous = true
        for (index, record) in records.enumerated() {
            let timestamp = record.timestamp(in: batch)
            if let error = recordError(record, index: Int32(index), timestamp: timestamp, in: batch, now: now) {
                errors.append(error)
                continue
            }
            maxTimestamp = max(maxTimestamp, timestamp)
            if record.offsetDelta != Int32(index) { contiguous = false }
        }
        try reject(errors)

        let sourceCodec = batch.codec
        let targetCodec = settings.targetCodec ?? sourceCodec
        let keepsBytes = (sourceCodec == .none && targetCodec == .none) || (sourceCodec == targetCodec && contiguous)
        if keepsBytes {
            return keep(batch, maxRecordTimestamp: maxTimestamp, now: now)
        }
        if sourceCodec == targetCodec {
            throw ProduceRejection(
                .unknownServerError,
                "key is skipped in PartialDefaultRecord (compressed batch with inner offset deltas that are not 0, 1, 2, ... "
                    + "in topic partition \(topicPartition))",
                reportsLogStartOffset: true)
        }
        return try rebuild(batch, records: records, codec: targetCodec, now: now)
    }

    /// The records of the batch. Corrupt compressed data is CORRUPT_MESSAGE (the CRC
    /// matched, so the producer compressed garbage); records that do not parse, or do
    /// not add up to the header's count, are INVALID_RECORD as in Kafka's record iterators.
    private func decodeRecords(of batch: RecordBatch) throws(ProduceRejection) -> [Record] {
        do {
            return try batch.records(maxDecompressedSize: settings.maxDecompressedSize)
        } catch let error as KafkaProtocolError {
            if case .compression = error.kind {
                throw ProduceRejection(
                    .corruptMessage, "Failed to decompress record stream in topic partition \(topicPartition): \(error)",
                    reportsLogStartOffset: false)
            }
            throw ProduceRejection(
                .invalidRecord, "Found invalid record structure in topic partition \(topicPartition): \(error)",
                reportsLogStartOffset: true)
        } catch {
            throw ProduceRejection(.unknownServerError, "\(error)", reportsLogStartOffset: true)
        }
    }

    /// LogValidator.validateRecord: the key first, then the timestamp.
    private func recordError(
        _ record: Record, index: Int32, timestamp: Int64, in batch: RecordBatch, now: Int64
    ) -> (error: ProduceRejection.RecordError, isTimestamp: Bool)? {
        if settings.isCompacted, record.key == nil {
            let message = "Compacted topic cannot accept message without key in topic partition \(topicPartition)"
            return (ProduceRejection.RecordError(batchIndex: index, message: message), false)
        }
        if settings.timestampType == .createTime, timestamp != -1 {
            // Java long arithmetic: with the default before.max of Long.MAX_VALUE the lower
            // bound wraps, and Kafka prints the wrapped value.
            let difference = now &- timestamp
            guard difference > settings.timestampBeforeMaxMs || (0 &- difference) > settings.timestampAfterMaxMs else {
                return nil
            }
            let message = "Timestamp \(timestamp) of message with offset \(record.offset(in: batch)) is out of range. "
                + "The timestamp should be within [\(now &- settings.timestampBeforeMaxMs), "
                + "\(now &+ settings.timestampAfterMaxMs)]"
            return (ProduceRejection.RecordError(batchIndex: index, message: message), true)
        }
        if batch.timestampType == .logAppendTime {
            // Reached for a LogAppendTime batch into a LogAppendTime topic, or one with
            // no timestamp: Kafka refuses the client's claim to have set the append time.
            let message = "Invalid timestamp type in message \(Self.describe(record, in: batch, timestamp: timestamp)). "
                + "Producer should not set timestamp type to LogAppendTime."
            return (ProduceRejection.RecordError(batchIndex: index, message: message), true)
        }
        return nil
    }

    /// Kafka's `DefaultRecord.toString`.
    private static func describe(_ record: Record, in batch: RecordBatch, timestamp: Int64) -> String {
        "DefaultRecord(offset=\(record.offset(in: batch)), timestamp=\(timestamp), "
            + "key=\(record.key?.readableBytes ?? 0) bytes, value=\(record.value?.readableBytes ?? 0) bytes)"
    }

    /// LogValidator.processRecordErrors: any timestamp error makes the whole answer
    /// INVALID_TIMESTAMP, else INVALID_RECORD; either way every record error is listed.
    private func reject(_ errors: [(error: ProduceRejection.RecordError, isTimestamp: Bool)]) throws(ProduceRejection) {
        guard !errors.isEmpty else { return }
        let recordErrors = errors.map(\.error)
        if errors.contains(where: \.isTimestamp) {
            let message = "One or more records have been rejected due to invalid timestamp"
            throw ProduceRejection(
                .invalidTimestamp, message, errorMessage: message, recordErrors: recordErrors, reportsLogStartOffset: true)
        }
        let shown = recordErrors.prefix(3).map(\.description).joined(separator: ", ")
        let message = "One or more records have been rejected due to \(recordErrors.count) record errors in total, "
            + "and only showing the first three errors at most: [\(shown)]"
        throw ProduceRejection(
            .invalidRecord, message, errorMessage: message, recordErrors: recordErrors, reportsLogStartOffset: true)
    }

    /// The batch as sent, with Kafka's in-place header rewrite: the topic's timestamp
    /// type, and maxTimestamp set to the append time (LogAppendTime topics) or to the
    /// largest record timestamp (CreateTime). Kafka's `setMaxTimestamp` writes only when
    /// one of the two changes, so the usual batch keeps its bytes and its CRC; a client's
    /// LogAppendTime bit in a CreateTime topic is cleared (KAFKA-RULES 10, FINDINGS b).
    private func keep(_ batch: RecordBatch, maxRecordTimestamp: Int64, now: Int64) -> ValidatedBatch {
        let isLogAppendTime = settings.timestampType == .logAppendTime
        let maxTimestamp = isLogAppendTime ? now : maxRecordTimestamp
        var bytes = batch.bytes
        var rewrite = ValidatedBatch.Rewrite.none
        if batch.timestampType != settings.timestampType || batch.maxTimestamp != maxTimestamp {
            // Kafka recomputes the attributes from the fields it knows, as here.
            let attributes = RecordBatchAttributes(
                codec: batch.codec, timestampType: settings.timestampType, isTransactional: batch.isTransactional,
                isControl: batch.isControl, hasDeleteHorizon: batch.hasDeleteHorizon)
            var patched = batch
            patched.setHeader(attributes: attributes, maxTimestamp: maxTimestamp)
            bytes = patched.bytes
            rewrite = .header
        }
        return ValidatedBatch(
            bytes: bytes, rewrite: rewrite, producerId: batch.producerId, producerEpoch: batch.producerEpoch,
            baseSequence: batch.baseSequence, recordCount: batch.recordCount, maxTimestamp: maxTimestamp,
            logAppendTime: isLogAppendTime ? now : -1, isTransactional: batch.isTransactional)
    }
}
