import CausewayStore
import Foundation
import KafkaClient
import Synchronization

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

/// Where replay checkpoints live: the link's checkpoint store (`StoreReplayJournal`), or
/// memory for an engine run without a store (tests, benchmarks, the demo's first steps).
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

/// Replay checkpoints in the link's checkpoint store (one JSON document per destination
/// partition), so they share the store's durability: SQLite in WAL mode with a full
/// sync on every commit.
public struct StoreReplayJournal: ReplayJournal {
    public let store: any CheckpointStore

    public init(store: any CheckpointStore) {
        self.store = store
    }

    public func checkpoint(destination: String, partition: TopicPartitionID) throws -> ReplayCheckpoint? {
        guard let document = try store.replayCheckpoint(destination: destination, topic: partition.topic, partition: partition.partition)
        else { return nil }
        do {
            return try JSONDecoder().decode(ReplayCheckpoint.self, from: Data(document.utf8))
        } catch {
            throw ReplayJournalError(partition: partition, reason: "unreadable replay checkpoint: \(error)")
        }
    }

    public func save(_ checkpoint: ReplayCheckpoint, destination: String, partition: TopicPartitionID) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let document = String(decoding: try encoder.encode(checkpoint), as: UTF8.self)
        try store.saveReplayCheckpoint(document, destination: destination, topic: partition.topic, partition: partition.partition)
    }
}

public struct ReplayJournalError: Error, CustomStringConvertible {
    public var partition: TopicPartitionID
    public var reason: String

    public var description: String { "replay checkpoint of \(partition): \(reason)" }
}
