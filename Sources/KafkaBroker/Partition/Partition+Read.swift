import KafkaProtocol
import NIOCore

extension Partition {
    // MARK: Fetch

    /// Reads whole batches from the one holding `offset` (see
    /// ``PartitionLog/read(from:maxBytes:minOneBatch:upperBound:)``): at most `maxBytes`,
    /// at least one batch when `minOneBatch`, nothing at or past `upperBound` (default
    /// the high watermark). Throws `StorageError` `offsetOutOfRange` outside
    /// [logStartOffset, logEndOffset] (OFFSET_OUT_OF_RANGE).
    public func read(from offset: Int64, maxBytes: Int, minOneBatch: Bool, upperBound: Int64? = nil) throws -> LogReadResult {
        try withLock { try log.read(from: offset, maxBytes: maxBytes, minOneBatch: minOneBatch, upperBound: upperBound) }
    }

    /// Where `offset` lies on disk, for a delayed Fetch counting bytes.
    public func position(of offset: Int64) throws -> LogPosition {
        try withLock { try log.position(of: offset) }
    }

    // MARK: ListOffsets

    /// Answers a ListOffsets query; nil when nothing matches (the response's offset and
    /// timestamp are then -1).
    ///
    /// Storage finds the batch; the answer names the record, as Kafka's
    /// `FileRecords.searchForTimestamp` does: for a timestamp, the first record at or
    /// after the log start offset whose timestamp reaches it; for max-timestamp, the
    /// first record carrying the largest timestamp. Nothing at or past the high
    /// watermark is returned.
    public func lookupOffset(_ spec: OffsetSpec) throws -> PartitionOffset? {
        try withLock {
            guard let found = try log.lookupOffset(spec) else { return nil }
            switch spec {
            case .earliest, .latest:
                return PartitionOffset(timestamp: found.timestamp, offset: found.offset, leaderEpoch: leaderEpochValue)
            case .timestamp(let target):
                return record(in: found, matching: { $0 >= target })
            case .maxTimestamp:
                return record(in: found, matching: { $0 == found.timestamp })
            }
        }
    }

    /// The first record of the found batch at or after the log start offset whose
    /// timestamp satisfies `matches`, below the high watermark. Falls back to storage's
    /// batch-level answer when the batch cannot be decoded.
    private func record(in found: OffsetLookupResult, matching matches: (Int64) -> Bool) -> PartitionOffset? {
        guard let bytes = found.batch, let batch = try? RecordBatch(validating: bytes),
            let records = try? batch.records(maxDecompressedSize: validator.settings.maxDecompressedSize)
        else {
            return PartitionOffset(timestamp: found.timestamp, offset: found.offset, leaderEpoch: leaderEpochValue)
        }
        for record in records {
            let offset = record.offset(in: batch)
            let timestamp = record.timestamp(in: batch)
            guard offset >= log.logStartOffset, matches(timestamp) else { continue }
            guard offset < log.highWatermark else { return nil }
            return PartitionOffset(timestamp: timestamp, offset: offset, leaderEpoch: batch.partitionLeaderEpoch)
        }
        return nil
    }

    // MARK: DeleteRecords

    /// Moves the log start offset to `offset` (-1: the high watermark), as DeleteRecords
    /// does (KAFKA-RULES "Offsets at the start of a log", FINDINGS e):
    /// POLICY_VIOLATION (44) unless `cleanup.policy` includes `delete`, OFFSET_OUT_OF_RANGE
    /// (1) above the high watermark or for a negative offset other than -1; an offset
    /// at or below the log start offset changes nothing.
    public func deleteRecords(before offset: Int64) -> DeleteRecordsOutcome {
        withLock {
            do {
                let lowWatermark = try log.deleteRecords(before: offset)
                return DeleteRecordsOutcome(errorCode: .none, lowWatermark: lowWatermark)
            } catch let error as StorageError {
                let code: KafkaErrorCode
                switch error.kind {
                case .policyViolation: code = .policyViolation
                case .offsetOutOfRange, .beyondHighWatermark: code = .offsetOutOfRange
                default: code = .kafkaStorageError
                }
                return DeleteRecordsOutcome(errorCode: code, lowWatermark: -1, failureReason: "\(error)")
            } catch {
                return DeleteRecordsOutcome(errorCode: .kafkaStorageError, lowWatermark: -1, failureReason: "\(error)")
            }
        }
    }
}
