import KafkaProtocol

/// One partition's DeleteRecords answer.
public struct DeleteRecordsOutcome: Hashable, Sendable {
    public var errorCode: KafkaErrorCode
    /// The log start offset after the call; -1 on error (FINDINGS e).
    public var lowWatermark: Int64
    /// Why it failed, in words.
    public var failureReason: String?
}
