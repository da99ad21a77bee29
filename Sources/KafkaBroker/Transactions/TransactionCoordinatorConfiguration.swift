/// Settings of the transaction coordinator. Each names the Kafka broker config it
/// stands for; defaults are Kafka 4.0's.
public struct TransactionCoordinatorConfiguration: Sendable {
    /// `transaction.max.timeout.ms`: an InitProducerId asking for a longer
    /// `transaction.timeout.ms` gets INVALID_TRANSACTION_TIMEOUT.
    public var maximumTimeout: Duration = .milliseconds(900_000)
    /// `transaction.abort.timed.out.transaction.cleanup.interval.ms`: how often open
    /// transactions are checked against their timeout. Tests set it low.
    public var timedOutTransactionCheckInterval: Duration = .milliseconds(10_000)
    /// `transactional.id.expiration.ms` (7 days): a transactional id with no transaction
    /// open or ending, not used for this long, is forgotten (Kafka's Dead state); its
    /// next InitProducerId gets a new producer id.
    public var transactionalIdExpiration: Duration = .milliseconds(604_800_000)

    public init() {}

    /// Checks the settings once; the error names the key, the value and what is accepted.
    public func validated() throws -> TransactionCoordinatorConfiguration {
        if maximumTimeout <= .zero || maximumTimeout.milliseconds > Int64(Int32.max) {
            throw BrokerError.invalidConfiguration(
                key: "transaction.max.timeout.ms", value: "\(maximumTimeout)", accepted: "1 to 2147483647 ms")
        }
        if timedOutTransactionCheckInterval <= .zero {
            throw BrokerError.invalidConfiguration(
                key: "transaction.abort.timed.out.transaction.cleanup.interval.ms",
                value: "\(timedOutTransactionCheckInterval)", accepted: "more than 0")
        }
        if transactionalIdExpiration <= .zero {
            throw BrokerError.invalidConfiguration(
                key: "transactional.id.expiration.ms", value: "\(transactionalIdExpiration)", accepted: "more than 0")
        }
        return self
    }
}
