import KafkaProtocol

/// A source transaction marker (one offset, written by the source's coordinator).
///
/// With transactions V2 (KIP-890) the marker carries the producer epoch + 1 (FINDINGS f):
/// match a marker to its transaction by producer id, not by (id, epoch).
public struct TransactionMarker: Hashable, Sendable {
    /// The source producer whose transaction it ends (epoch as in the marker).
    public var producer: ProducerKey
    /// COMMIT or ABORT; `ControlRecord.ControlType` keeps other values as they are.
    public var type: ControlRecord.ControlType

    public init(producer: ProducerKey, type: ControlRecord.ControlType) {
        self.producer = producer
        self.type = type
    }
}
