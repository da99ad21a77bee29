import KafkaProtocol
import NIOCore

extension Partition {
    /// Appends one partition's `records` of a Produce request, with every check a Kafka
    /// 4.0 leader makes, and returns the partition's Produce response fields.
    ///
    /// Validation (``ProduceValidator``) runs outside the lock. Under the lock: the
    /// producer's epoch and sequence check, the duplicate short-circuit (a retry gets
    /// the original offsets and nothing is written), the log append (which assigns the
    /// offsets from the log end and writes the leader epoch into bytes 12..15), and the
    /// producer state update. The change handler runs after the lock is released.
    ///
    /// Not checked here: whether the topic and partition exist (UNKNOWN_TOPIC_OR_PARTITION
    /// is the handler's), `acks`, and the request-wide transactional-id rule, which the
    /// handler applies to all partitions (``ProduceValidator/containsTransactionalBatch(_:)``).
    public func append(records: ByteBuffer?, request: ProduceRequestContext) -> PartitionAppendOutcome {
        let now = clock.nowMilliseconds
        let validator = withLock { self.validator }
        // A producer whose transaction is already open here needs no verification
        // (Kafka's `hasOngoingTransaction` short-cut before asking the coordinator).
        var request = request
        let askCoordinator = request.verifyTransaction
        request.verifyTransaction = { [self] producerId, epoch in
            withLock { producers.hasOngoingTransaction(producerId: producerId, producerEpoch: epoch) }
                ? .none : askCoordinator(producerId, epoch)
        }

        let batch: ValidatedBatch
        switch validator.validate(records, request: request, nowMilliseconds: now) {
        case .success(let validated):
            batch = validated
        case .failure(let rejection):
            return PartitionAppendOutcome(rejection, logStartOffset: logStartOffset)
        }

        let (outcome, change, handler) = withLock { appendLocked(batch, now: now) }
        if let change, let handler { handler(change) }
        return outcome
    }

    /// The part of an append that holds the lock.
    private func appendLocked(_ batch: ValidatedBatch, now: Int64)
        -> (PartitionAppendOutcome, PartitionChange?, (@Sendable (PartitionChange) -> Void)?)
    {
        if now &- lastProducerExpirationCheck >= producerExpirationCheckIntervalMs {
            producers.removeExpiredProducers(nowMilliseconds: now)
            lastProducerExpirationCheck = now
        }
        let producerBatch = batch.producerBatch
        switch producers.check(producerBatch) {
        case .failure(let rejection):
            return (PartitionAppendOutcome(rejection, logStartOffset: log.logStartOffset), nil, nil)
        case .success(.duplicate(let original)):
            let outcome = PartitionAppendOutcome(
                baseOffset: original.firstOffset, logAppendTime: original.timestamp,
                logStartOffset: log.logStartOffset, isDuplicate: true)
            return (outcome, nil, nil)
        case .success(.append):
            break
        }

        let info: LogAppendInfo
        do {
            info = try log.append(batch.bytes, partitionLeaderEpoch: leaderEpochValue)
        } catch {
            return (Self.outcome(forStorageError: error), nil, nil)
        }
        producers.recordAppend(producerBatch, firstOffset: info.firstOffset)
        let outcome = PartitionAppendOutcome(
            baseOffset: info.firstOffset, logAppendTime: batch.logAppendTime, logStartOffset: info.logStartOffset)
        let change = PartitionChange(
            topicPartition: topicPartition, firstOffset: info.firstOffset, lastOffset: info.lastOffset,
            highWatermark: log.highWatermark, logEndOffset: log.logEndOffset)
        return (outcome, change, changeHandler)
    }

    /// Kafka answers both without a log start offset: a batch larger than a segment is
    /// RECORD_LIST_TOO_LARGE (its RecordBatchTooLargeException), anything else from the
    /// disk KAFKA_STORAGE_ERROR.
    static func outcome(forStorageError error: any Error) -> PartitionAppendOutcome {
        var code = KafkaErrorCode.kafkaStorageError
        if let error = error as? StorageError, case .batchTooLarge = error.kind {
            code = .recordListTooLarge
        }
        return PartitionAppendOutcome(errorCode: code, baseOffset: -1, logStartOffset: -1, failureReason: "\(error)")
    }
}
