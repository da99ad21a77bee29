import KafkaProtocol

/// What ``Partition/append(records:request:)`` did: the fields of one partition's
/// Produce response.
public struct PartitionAppendOutcome: Hashable, Sendable {
    /// `ErrorCode`.
    public var errorCode: KafkaErrorCode
    /// `BaseOffset`: the offset of the batch's first record (the original one for a
    /// duplicate), -1 on error.
    public var baseOffset: Int64
    /// `LogAppendTimeMs`: the append time in LogAppendTime topics, the original
    /// batch's maxTimestamp for a duplicate, else -1.
    public var logAppendTime: Int64
    /// `LogStartOffset` (v5+): -1 for the errors Kafka answers without it.
    public var logStartOffset: Int64
    /// `RecordErrors` (v8+).
    public var recordErrors: [ProduceRejection.RecordError]
    /// `ErrorMessage` (v8+).
    public var errorMessage: String?
    /// The retry of a recent batch of the same producer: nothing was appended.
    public var isDuplicate: Bool
    /// Why the records were refused, in words (Kafka logs it; the wire may not carry it).
    public var failureReason: String?

    public init(
        errorCode: KafkaErrorCode = .none, baseOffset: Int64, logAppendTime: Int64 = -1, logStartOffset: Int64,
        recordErrors: [ProduceRejection.RecordError] = [], errorMessage: String? = nil, isDuplicate: Bool = false,
        failureReason: String? = nil
    ) {
        self.errorCode = errorCode
        self.baseOffset = baseOffset
        self.logAppendTime = logAppendTime
        self.logStartOffset = logStartOffset
        self.recordErrors = recordErrors
        self.errorMessage = errorMessage
        self.isDuplicate = isDuplicate
        self.failureReason = failureReason
    }

    /// The answer for refused records.
    public init(_ rejection: ProduceRejection, logStartOffset: Int64) {
        self.init(
            errorCode: rejection.code, baseOffset: -1,
            logStartOffset: rejection.reportsLogStartOffset ? logStartOffset : -1,
            recordErrors: rejection.recordErrors, errorMessage: rejection.errorMessage,
            failureReason: rejection.message)
    }
}
