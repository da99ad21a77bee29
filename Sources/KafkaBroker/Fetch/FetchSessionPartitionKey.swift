import KafkaProtocol

/// How a fetch session names one of its partitions.
///
/// Fetch v13 and later name topics by id (KIP-516), earlier versions by name, and a
/// session keeps the form of the request that created it (a later request of the other
/// form gets FETCH_SESSION_TOPIC_ID_ERROR). Keying by id means a topic deleted and
/// re-created under the same name is a different partition, and a partition whose id the
/// broker does not know yet can still sit in a session until it resolves (Kafka's
/// `CachedPartition` equality, KAFKA-13111).
public enum FetchSessionPartitionKey: Hashable, Sendable, CustomStringConvertible {
    /// Fetch v7-12: topic name and partition index.
    case name(String, partition: Int32)
    /// Fetch v13+: topic id and partition index.
    case id(KafkaUUID, partition: Int32)

    public var partition: Int32 {
        switch self {
        case .name(_, let partition), .id(_, let partition): partition
        }
    }

    public var description: String {
        switch self {
        case .name(let topic, let partition): "\(topic)-\(partition)"
        case .id(let id, let partition): "\(id)-\(partition)"
        }
    }
}
