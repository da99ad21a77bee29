import KafkaProtocol
import NIOCore

extension ProduceValidator {
    /// Re-encodes the batch as Kafka's `LogValidator.buildRecordsAndAssignOffsets` does
    /// (KAFKA-RULES 12): the topic's codec and timestamp type, offset deltas 0, 1, 2, ...,
    /// baseTimestamp = the first record's timestamp, maxTimestamp = the largest record
    /// timestamp (or the append time in LogAppendTime topics), record attributes 0, and
    /// the producer id, epoch, sequence and transactional bit of the original.
    func rebuild(_ batch: RecordBatch, records: [Record], codec: CompressionCodec, now: Int64) throws(ProduceRejection)
        -> ValidatedBatch
    {
        let timestamps = records.map { $0.timestamp(in: batch) }
        // Kafka's MemoryRecordsBuilder refuses negative timestamps other than -1 with an
        // IllegalArgumentException, which reaches the client as UNKNOWN_SERVER_ERROR.
        if let negative = timestamps.first(where: { $0 < -1 }) {
            throw ProduceRejection(.unknownServerError, "Invalid negative timestamp \(negative)", reportsLogStartOffset: true)
        }
        let isLogAppendTime = settings.timestampType == .logAppendTime
        let baseTimestamp = timestamps.first ?? -1
        var builder = RecordBatchBuilder(
            baseTimestamp: baseTimestamp, codec: codec, producerId: batch.producerId,
            producerEpoch: batch.producerEpoch, baseSequence: batch.baseSequence,
            isTransactional: batch.isTransactional, timestampType: settings.timestampType)
        for (index, record) in records.enumerated() {
            builder.append(
                key: record.key, value: record.value, headers: record.headers,
                timestampDelta: timestamps[index] &- baseTimestamp, offsetDelta: Int32(index))
        }
        let maxTimestamp = isLogAppendTime ? now : timestamps.reduce(-1, max)
        builder.maxTimestamp = maxTimestamp
        let rebuilt: RecordBatch
        do {
            rebuilt = try builder.build()
        } catch {
            throw ProduceRejection(.unknownServerError, "Rebuilding the batch failed: \(error)", reportsLogStartOffset: true)
        }
        // UnifiedLog checks the size again when the validator may have changed it.
        guard rebuilt.sizeInBytes <= settings.maxMessageBytes else {
            throw ProduceRejection(
                .messageTooLarge,
                "Message batch size is \(rebuilt.sizeInBytes) bytes in append to partition \(topicPartition) which "
                    + "exceeds the maximum configured size of \(settings.maxMessageBytes).",
                reportsLogStartOffset: false)
        }
        return ValidatedBatch(
            bytes: rebuilt.bytes, rewrite: .rebuilt, producerId: batch.producerId, producerEpoch: batch.producerEpoch,
            baseSequence: batch.baseSequence, recordCount: Int32(records.count), maxTimestamp: maxTimestamp,
            logAppendTime: isLogAppendTime ? now : -1, isTransactional: batch.isTransactional)
    }
}
