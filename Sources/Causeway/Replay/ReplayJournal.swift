import Foundation
import KafkaClient
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The destination transactional producers a partition replays with, and the span being
/// replayed, written before any batch of a transaction is sent (DESIGN.md, "Transactions
/// need care"). After a crash the worker reads it to continue the same open destination
/// transaction with the same producer id, epoch and sequence instead of letting the
/// coordinator abort it, which would leave aborted records where the source has
/// committed ones.
public struct ReplayCheckpoint: Codable, Hashable, Sendable {
    /// A destination producer and the sequence its next batch on this partition carries.
    public struct Slot: Codable, Hashable, Sendable {
        public var producer: TransactionalProducer
        public var nextSequence: Int32
    }

    /// Producers by slot (slot k serves the k-th transaction open at once in a span).
    /// While `openSpanBase` is set, `nextSequence` is the value at the span's start.
    public var slots: [Int: Slot] = [:]
    /// The first offset of a span whose replay has begun and not finished.
    public var openSpanBase: Int64?

    public init(slots: [Int: Slot] = [:], openSpanBase: Int64? = nil) {
        self.slots = slots
        self.openSpanBase = openSpanBase
    }
}

/// Where replay checkpoints live. The SQLite checkpoint store implements it too; the
/// file journal below serves until then and for stores configured without SQLite.
public protocol ReplayJournal: Sendable {
    func checkpoint(destination: String, partition: TopicPartitionID) throws -> ReplayCheckpoint?
    /// Must be durable when it returns: a batch is sent only after its checkpoint is.
    func save(_ checkpoint: ReplayCheckpoint, destination: String, partition: TopicPartitionID) throws
}

/// Keeps checkpoints in memory only: for tests, and for links whose sources have no
/// transactions to resume.
public final class InMemoryReplayJournal: ReplayJournal {
    private let entries = Mutex<[String: ReplayCheckpoint]>([:])

    public init() {}

    public func checkpoint(destination: String, partition: TopicPartitionID) throws -> ReplayCheckpoint? {
        entries.withLock { $0["\(destination)/\(partition)"] }
    }

    public func save(_ checkpoint: ReplayCheckpoint, destination: String, partition: TopicPartitionID) throws {
        entries.withLock { $0["\(destination)/\(partition)"] = checkpoint }
    }
}

/// One JSON file per destination partition under a directory, replaced atomically and
/// fsynced (file, then directory) before `save` returns.
public struct FileReplayJournal: ReplayJournal {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public func checkpoint(destination: String, partition: TopicPartitionID) throws -> ReplayCheckpoint? {
        let url = fileURL(destination: destination, partition: partition)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try JSONDecoder().decode(ReplayCheckpoint.self, from: Data(contentsOf: url))
        } catch {
            throw ReplayJournalError(path: url.path, reason: "unreadable replay checkpoint: \(error)")
        }
    }

    public func save(_ checkpoint: ReplayCheckpoint, destination: String, partition: TopicPartitionID) throws {
        let url = fileURL(destination: destination, partition: partition)
        let folder = url.deletingLastPathComponent()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let temporary = url.appendingPathExtension("tmp")
            _ = FileManager.default.createFile(atPath: temporary.path, contents: nil)
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: try encoder.encode(checkpoint))
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else {
                throw ReplayJournalError(path: url.path, reason: String(cString: strerror(errno)))
            }
            let folderDescriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if folderDescriptor >= 0 {
                _ = fsync(folderDescriptor)
                close(folderDescriptor)
            }
        } catch let error as ReplayJournalError {
            throw error
        } catch {
            throw ReplayJournalError(path: url.path, reason: "\(error)")
        }
    }

    private func fileURL(destination: String, partition: TopicPartitionID) -> URL {
        directory.appendingPathComponent(destination).appendingPathComponent("\(partition.topic)-\(partition.partition).json")
    }
}

public struct ReplayJournalError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "replay checkpoint \(path): \(reason)" }
}
