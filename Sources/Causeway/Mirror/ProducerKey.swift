/// A producer id and epoch: what a broker keys sequence numbers by.
public struct ProducerKey: Hashable, Sendable, CustomStringConvertible {
    public var producerId: Int64
    public var producerEpoch: Int16

    public init(producerId: Int64, producerEpoch: Int16) {
        self.producerId = producerId
        self.producerEpoch = producerEpoch
    }

    public var description: String { "\(producerId)/\(producerEpoch)" }
}
