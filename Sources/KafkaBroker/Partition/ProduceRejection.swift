import KafkaProtocol

/// Why one partition's records of a Produce request were refused, as Kafka answers it.
public struct ProduceRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// One record's problem (the Produce response's `RecordErrors`, KIP-467).
    public struct RecordError: Hashable, Sendable, CustomStringConvertible {
        /// Index of the record within the batch (0 for the first record).
        public var batchIndex: Int32
        /// `BatchIndexErrorMessage`.
        public var message: String?

        public init(batchIndex: Int32, message: String?) {
            self.batchIndex = batchIndex
            self.message = message
        }

        /// Kafka's `RecordError.toString`, which it quotes in the error message.
        public var description: String {
            "RecordError(batchIndex=\(batchIndex), message='\(message ?? "null")')"
        }
    }

    /// The partition's error code.
    public var code: KafkaErrorCode
    /// What went wrong, as the text of the exception Kafka raises (and logs).
    public var message: String
    /// The response's `ErrorMessage`. Kafka sends it only for record-level errors
    /// (its RecordValidationException) and transaction verification; otherwise null.
    public var errorMessage: String?
    /// The response's `RecordErrors`.
    public var recordErrors: [RecordError]
    /// Whether the response carries the partition's log start offset with this error.
    /// Kafka answers -1 for errors found before the log is touched (request validation,
    /// transaction verification) and for CORRUPT_MESSAGE, MESSAGE_TOO_LARGE,
    /// RECORD_LIST_TOO_LARGE and storage errors (its UNKNOWN_LOG_APPEND_INFO);
    /// FINDINGS b shows both kinds.
    public var reportsLogStartOffset: Bool

    public init(
        _ code: KafkaErrorCode, _ message: String, errorMessage: String? = nil, recordErrors: [RecordError] = [],
        reportsLogStartOffset: Bool
    ) {
        self.code = code
        self.message = message
        self.errorMessage = errorMessage
        self.recordErrors = recordErrors
        self.reportsLogStartOffset = reportsLogStartOffset
    }

    public var description: String { "\(code): \(message)" }
}
