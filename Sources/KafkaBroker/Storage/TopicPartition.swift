/// A topic name and partition index: the key of a partition log.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// The partition's directory name under the data directory, `<topic>-<partition>`,
    /// as Kafka names it.
    public var directoryName: String { "\(topic)-\(partition)" }

    /// Parses a directory name made by ``directoryName``. Topic names may contain `-`,
    /// so the partition is what follows the last one.
    public init?(directoryName: String) {
        guard let dash = directoryName.lastIndex(of: "-") else { return nil }
        let topic = String(directoryName[..<dash])
        let digits = directoryName[directoryName.index(after: dash)...]
        guard !topic.isEmpty, !digits.isEmpty, digits.allSatisfy(\.isASCII),
              digits.allSatisfy(\.isNumber), let partition = Int32(digits)
        else { return nil }
        self.init(topic: topic, partition: partition)
    }

    public var description: String { directoryName }
}
