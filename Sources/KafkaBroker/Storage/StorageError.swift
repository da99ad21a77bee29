/// An error from the partition log storage.
///
/// `kind` says what went wrong; `topicPartition` and `path` say where. The broker maps
/// kinds to Kafka error codes: ``Kind/offsetOutOfRange(requested:logStartOffset:logEndOffset:)``
/// and ``Kind/beyondHighWatermark(requested:highWatermark:)`` to OFFSET_OUT_OF_RANGE (1),
/// ``Kind/policyViolation(_:)`` to POLICY_VIOLATION (44), ``Kind/batchTooLarge(size:segmentBytes:)``
/// to RECORD_BATCH_TOO_LARGE (18), and I/O failures to KAFKA_STORAGE_ERROR (56).
public struct StorageError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: Hashable, Sendable {
        /// A read asked for an offset outside `[logStartOffset, logEndOffset]`.
        case offsetOutOfRange(requested: Int64, logStartOffset: Int64, logEndOffset: Int64)
        /// DeleteRecords asked to move the log start offset past the high watermark.
        case beyondHighWatermark(requested: Int64, highWatermark: Int64)
        /// The operation is not allowed by the topic's configuration (for example
        /// DeleteRecords without `cleanup.policy=delete`).
        case policyViolation(String)
        /// A batch larger than `segment.bytes` can never fit in a segment.
        case batchTooLarge(size: Int, segmentBytes: Int)
        /// Bytes handed to `append` are not whole RecordBatch v2 batches.
        case invalidBatch(String)
        /// A configuration value is out of range.
        case invalidConfiguration(key: String, value: String, accepted: String)
        /// A system call failed.
        case io(operation: String, errno: Int32)
        /// An earlier write or fsync failed, so what is on disk is unknown; the log
        /// refuses writes until it is closed and reopened (which runs recovery).
        case logFailed(reason: String)
        /// The log was closed.
        case logClosed
        /// A segment holds bytes that are not whole batches where the log expects them
        /// (changed underneath the running log).
        case corruptLog(String)
        /// A checkpoint file could not be parsed.
        case corruptCheckpoint(String)
        /// No log exists for the partition.
        case logNotFound
    }

    public var kind: Kind
    /// The partition whose log failed, when known.
    public var topicPartition: TopicPartition?
    /// The file or directory involved, when there is one.
    public var path: String?

    public init(_ kind: Kind, topicPartition: TopicPartition? = nil, path: String? = nil) {
        self.kind = kind
        self.topicPartition = topicPartition
        self.path = path
    }

    /// The same error with the partition filled in when it is still missing.
    func inPartition(_ partition: TopicPartition) -> StorageError {
        var copy = self
        if copy.topicPartition == nil { copy.topicPartition = partition }
        return copy
    }

    public var description: String {
        var text: String
        switch kind {
        case .offsetOutOfRange(let requested, let start, let end):
            text = "offset \(requested) is outside the log [\(start), \(end)]"
        case .beyondHighWatermark(let requested, let highWatermark):
            text = "cannot delete records before \(requested): the high watermark is \(highWatermark)"
        case .policyViolation(let message):
            text = "policy violation: \(message)"
        case .batchTooLarge(let size, let segmentBytes):
            text = "a batch of \(size) bytes is larger than segment.bytes (\(segmentBytes))"
        case .invalidBatch(let message):
            text = "invalid record batch: \(message)"
        case .invalidConfiguration(let key, let value, let accepted):
            text = "invalid value \(value) for \(key); accepted: \(accepted)"
        case .io(let operation, let code):
            text = "\(operation) failed with errno \(code)"
        case .logFailed(let reason):
            text = "the log failed earlier (\(reason)); close and reopen it to recover"
        case .logClosed:
            text = "the log is closed"
        case .corruptLog(let message):
            text = "corrupt log: \(message)"
        case .corruptCheckpoint(let message):
            text = "corrupt checkpoint: \(message)"
        case .logNotFound:
            text = "no log for this partition"
        }
        var context: [String] = []
        if let topicPartition { context.append("partition \(topicPartition)") }
        if let path { context.append("path \(path)") }
        if !context.isEmpty { text += " [" + context.joined(separator: ", ") + "]" }
        return text
    }
}
