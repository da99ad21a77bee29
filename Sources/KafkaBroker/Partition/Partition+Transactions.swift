import KafkaProtocol
import NIOCore

extension Partition {
    // MARK: Last stable offset

    /// The first offset of the oldest transaction still open here, or the high watermark
    /// when none is (Kafka's `UnifiedLog.lastStableOffset`). A read_committed Fetch reads
    /// nothing at or past it, and ListOffsets latest with isolation level 1 answers it.
    public var lastStableOffset: Int64 {
        withLock { lastStableOffsetLocked }
    }

    var lastStableOffsetLocked: Int64 {
        let firstUnstable = producers.producers.values.compactMap(\.currentTransactionFirstOffset).min()
        return min(firstUnstable ?? .max, log.highWatermark)
    }

    /// The aborted transactions a read_committed reader of `[fetchOffset, upperBound)`
    /// must know about to drop their batches: those whose ABORT marker lies at or after
    /// `fetchOffset` and whose first offset lies below `upperBound` (Kafka's
    /// `collectAbortedTransactions`), as (producerId, firstOffset), by first offset.
    public func abortedTransactions(from fetchOffset: Int64, upTo upperBound: Int64) -> [(producerId: Int64, firstOffset: Int64)] {
        withLock {
            abortedIndex.filter { $0.lastOffset >= fetchOffset && $0.firstOffset < upperBound }
                .map { ($0.producerId, $0.firstOffset) }
        }
    }

    // MARK: Markers

    /// Writes a COMMIT or ABORT control batch for `producerId` (the transaction
    /// coordinator's marker, Kafka's `WriteTxnMarkers` path): one batch of one record at
    /// the log end, with the marker's epoch, baseSequence -1 and the broker's time.
    ///
    /// Fencing as Kafka's `ProducerAppendInfo.appendEndTxnMarker`: a marker with an epoch
    /// older than the producer's here is refused with INVALID_PRODUCER_EPOCH, and one from
    /// an older coordinator epoch than the last marker's with TRANSACTION_COORDINATOR_FENCED.
    /// An ABORT closes the transaction in the aborted-transaction index.
    ///
    /// - Returns: the marker's offset.
    @discardableResult
    public func appendTransactionMarker(
        producerId: Int64, producerEpoch: Int16, isCommit: Bool, coordinatorEpoch: Int32
    ) throws(TransactionMarkerError) -> Int64 {
        let now = clock.nowMilliseconds
        var builder = RecordBatchBuilder(
            baseTimestamp: now, producerId: producerId, producerEpoch: producerEpoch, baseSequence: -1,
            isTransactional: true)
        builder.isControl = true
        builder.append(ControlRecord(type: isCommit ? .commit : .abort, coordinatorEpoch: coordinatorEpoch).record)
        let bytes: ByteBuffer
        do {
            bytes = try builder.build().bytes
        } catch {
            throw TransactionMarkerError(code: .unknownServerError, reason: "building the marker failed: \(error)")
        }
        let (result, change, handler) = withLock {
            () -> (Result<Int64, TransactionMarkerError>, PartitionChange?, (@Sendable (PartitionChange) -> Void)?) in
            if let entry = producers.producers[producerId] {
                if producerEpoch < entry.producerEpoch {
                    return (.failure(TransactionMarkerError(
                        code: .invalidProducerEpoch,
                        reason: "marker epoch \(producerEpoch) of producer \(producerId) is older than \(entry.producerEpoch)")),
                        nil, nil)
                }
                if coordinatorEpoch < entry.coordinatorEpoch {
                    return (.failure(TransactionMarkerError(
                        code: .transactionCoordinatorFenced,
                        reason: "coordinator epoch \(coordinatorEpoch) is older than \(entry.coordinatorEpoch)")), nil, nil)
                }
            }
            let info: LogAppendInfo
            do {
                info = try log.append(bytes, partitionLeaderEpoch: leaderEpochValue)
            } catch {
                return (.failure(TransactionMarkerError(code: .kafkaStorageError, reason: "\(error)")), nil, nil)
            }
            let completed = producers.applyTransactionMarker(
                producerId: producerId, producerEpoch: producerEpoch, coordinatorEpoch: coordinatorEpoch,
                isCommit: isCommit, offset: info.firstOffset, timestamp: now)
            if let completed, completed.isAborted {
                abortedIndex.append(
                    AbortedTransaction(producerId: producerId, firstOffset: completed.firstOffset, lastOffset: completed.markerOffset))
            }
            let change = PartitionChange(
                topicPartition: topicPartition, firstOffset: info.firstOffset, lastOffset: info.lastOffset,
                highWatermark: log.highWatermark, logEndOffset: log.logEndOffset)
            return (.success(info.firstOffset), change, changeHandler)
        }
        if let change, let handler { handler(change) }
        return try result.get()
    }

    /// Whether `producerId` has an open transaction here (any epoch).
    public func hasOpenTransaction(producerId: Int64) -> Bool {
        withLock { producers.producers[producerId]?.currentTransactionFirstOffset != nil }
    }
}
