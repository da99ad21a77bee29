import KafkaProtocol

/// Why a partition mirror stopped in FAILED: a condition it cannot work around by
/// itself. The other partitions go on (STYLE rule 5). `message` says what to do.
public struct MirrorFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: Hashable, Sendable {
        /// The destination refused a batch with a non-retriable error.
        case produceRejected(KafkaErrorCode)
        /// The source refused a fetch with a non-retriable error.
        case fetchRejected(KafkaErrorCode)
        /// A source batch cannot be read or re-encoded.
        case corruptSourceBatch
        /// A Fetch response held only part of a batch (KIP-74 guarantees one whole batch).
        case partialBatchOnly
        /// Offsets were deleted at the source before they were copied, and the
        /// configuration says to fail rather than fill them.
        case sourceRetentionLoss(from: Int64, to: Int64)
        /// A source transaction spans more bytes than the mirror may buffer.
        case transactionTooLarge(bytes: Int)
        /// DeleteRecords after the bootstrap fillers was refused.
        case deleteRecordsRejected(KafkaErrorCode)
        /// The engine could not replay a transaction span.
        case transactionReplayFailed
    }

    public var code: Code
    /// The source offset concerned, when there is one.
    public var offset: Int64?
    public var message: String

    public init(_ code: Code, offset: Int64? = nil, message: String) {
        self.code = code
        self.offset = offset
        self.message = message
    }

    public var description: String {
        offset.map { "at offset \($0): \(message)" } ?? message
    }
}
