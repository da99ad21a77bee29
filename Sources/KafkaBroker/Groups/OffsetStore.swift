import KafkaProtocol
import Logging
import NIOCore

/// The durable state of the group coordinator: committed offsets and each group's
/// protocol type and generation, in one append-only file in the data directory
/// (`group-coordinator/groups.log`), compacted by rewriting it.
///
/// Why a file of its own and not an internal `__consumer_offsets` topic on
/// `PartitionLog`: the broker's topics are what the mirror engine copies and compares
/// offset for offset, so an internal topic would have to be hidden from Metadata,
/// Fetch, CreateTopics, retention and the mirror's topic listing, and would need log
/// compaction, which `PartitionLog` does not do. The coordinator needs far less: append
/// a few records durably before answering a commit, read them all back on start, and
/// now and then drop what later records replaced. That is this file.
///
/// The format and its crash safety are ``DurableRecordLog``'s; the records are
/// `OffsetStoreRecord`s, each appended and fsynced before the commit is answered or
/// applied.
typealias OffsetStore = DurableRecordLog<OffsetStoreRecord>

extension OffsetStoreRecord: DurableRecord {}

extension DurableRecordLog where Record == OffsetStoreRecord {
    static var directoryName: String { "group-coordinator" }
    static var fileName: String { "groups.log" }

    /// Whether a store exists in `dataDirectory` (the coordinator was used before).
    static func exists(in dataDirectory: String, fileSystem: any LogFileSystem) -> Bool {
        fileSystem.fileExists(at: dataDirectory + "/" + directoryName + "/" + fileName)
    }

    convenience init(dataDirectory: String, fileSystem: any LogFileSystem) {
        self.init(
            directory: dataDirectory + "/" + Self.directoryName, fileName: Self.fileName, magic: "CWGRPS01",
            kind: "group coordinator log", fileSystem: fileSystem)
    }
}
