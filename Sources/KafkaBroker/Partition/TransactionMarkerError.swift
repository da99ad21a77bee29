import KafkaProtocol

/// Why a transaction marker could not be written to a partition.
public struct TransactionMarkerError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: KafkaErrorCode
    public var reason: String

    public var description: String { "\(code): \(reason)" }
}
