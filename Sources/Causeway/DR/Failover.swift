import CausewayStore
import Foundation
import KafkaClient
import Logging

/// `causeway failover`: the source is lost (or is being left). Stops the selected mirrors,
/// runs a last offset sync if the source still answers, and writes a receipt per
/// partition saying what the destination holds and what it may miss.
///
/// The steps are each safe to repeat, so a failover killed half-way and run again ends
/// where an uninterrupted one would:
/// 1. the failed-over controls are written to the store (already there: unchanged);
/// 2. a running daemon stops those mirrors and acknowledges; with no daemon (no fresh
///    heartbeat, or the daemon dies while we wait) there is nothing to stop;
/// 3. destination log ends are read once settled, the source's high watermarks live if
///    it answers, else the last ones the daemon recorded;
/// 4. receipts are written in one transaction, first one wins; a partition that already
///    has a receipt keeps it, so a second run reprints the first and changes nothing.
public struct Failover: Sendable {
    /// The last offset sync, run once when the source still answers. The consumer-group
    /// offset sync (Sources/Causeway/DR, drsync) plugs in here.
    public typealias FinalOffsetSync = @Sendable (_ source: KafkaClient, _ destinations: [String: KafkaClient]) async throws -> Void

    public let configuration: LinkConfiguration
    public let store: any CheckpointStore
    public var acknowledgementTimeout: Duration = .seconds(30)
    public var sourceTimeout: Duration = .seconds(5)
    public var finalOffsetSync: FinalOffsetSync? = nil
    let logger: Logger

    public init(configuration: LinkConfiguration, store: any CheckpointStore, logger: Logger = Logger(label: "causeway.failover")) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
        self.finalOffsetSync = Self.lastOffsetSync(for: configuration, store: store, logger: logger)
    }

    /// The link's consumer-offset sync, run once after the mirrors stopped (so the clamp
    /// to the destination log end is final), its result kept in the store; nil when the
    /// link selects no groups.
    static func lastOffsetSync(for configuration: LinkConfiguration, store: any CheckpointStore, logger: Logger) -> FinalOffsetSync? {
        guard !configuration.groups.include.isEmpty else { return nil }
        return { source, destinations in
            let sync = ConsumerOffsetSync(
                configuration: configuration, source: source,
                destinations: destinations.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, logger: logger)
            let report = try await sync.syncOnce()
            try store.recordGroupOffsets(report.snapshots(at: Date()))
        }
    }

    /// What a failover did.
    public struct Outcome: Sendable {
        public var receipts: [FailoverReceipt]
        /// Every selected partition had a receipt already: nothing was changed.
        public var repeated: Bool
        public var dryRun: Bool
        /// What happened with the daemon: "acknowledged", "not running", "stopped while waiting".
        public var daemon: String
        public var offsetSync: String
    }

    /// - Parameter topics: the topics to fail over; empty for every topic of the link.
    public func run(topics: [String], dryRun: Bool = false) async throws -> Outcome {
        guard try store.direction() == .forward else {
            throw FailoverError("link \(configuration.name) mirrors in reverse (after `causeway reverse`); failover of a reversed link is not supported")
        }
        return try await withLinkClients(configuration, sourceTimeout: sourceTimeout, logger: logger) { source, destinations in
            try await run(topics: topics, dryRun: dryRun, source: source, destinations: destinations)
        }
    }

    private func run(
        topics: [String], dryRun: Bool, source: KafkaClient, destinations: [String: KafkaClient]
    ) async throws -> Outcome {
        let selection = topics.isEmpty ? [TopicControl.allTopics] : topics
        let selected = { (topic: String) in selection.contains(TopicControl.allTopics) || selection.contains(topic) }
        let partitions = try await selectedPartitions(selected, topics: topics, destinations: destinations)
        let stored = try store.receipts().filter { selected($0.topic) }
        let receipted = Set(stored.map { "\($0.destination)/\($0.topic)/\($0.partition)" })
        let missing = partitions.flatMap { destination, list in list.map { (destination, $0) } }
            .filter { !receipted.contains("\($0.0)/\($0.1.topic)/\($0.1.partition)") }
        if missing.isEmpty && !stored.isEmpty {
            return Outcome(receipts: stored, repeated: true, dryRun: dryRun, daemon: "unchanged", offsetSync: "not run (repeat)")
        }

        var daemon = "not touched (dry run)"
        if !dryRun {
            let now = Date()
            for topic in selection { try store.setControl(topic: topic, state: .failedOver, at: now) }
            daemon = try await waitForDaemon(selection)
        }

        let allPartitions = partitions.values.flatMap { $0 }
        let unique = Array(Set(allPartitions)).sorted()
        let live = await ClusterOffsets.latestIfReachable(unique, on: source, timeout: sourceTimeout)
        var offsetSync = live == nil ? "not run: the source does not answer" : "not configured"
        if live != nil, !dryRun, let finalOffsetSync {
            do {
                try await finalOffsetSync(source, destinations)
                offsetSync = "done"
            } catch {
                offsetSync = "failed: \(error)"
                logger.warning("last offset sync failed: \(error)")
            }
        }
        let marks = Dictionary(
            try store.marks().map { ("\($0.destination)/\($0.topic)/\($0.partition)", $0) }, uniquingKeysWith: { first, _ in first })
        let now = Date()
        var receipts: [FailoverReceipt] = []
        for (name, list) in partitions.sorted(by: { $0.key < $1.key }) {
            let ends = try await ClusterOffsets.settledLatest(list, on: destinations[name]!)
            for partition in list {
                let end = ends[partition]!
                let mark = marks["\(name)/\(partition.topic)/\(partition.partition)"]
                let known = live?[partition] ?? mark?.sourceHighWatermark
                var note = "mirror stopped; the destination topic is a plain topic, writable now (no write protection to lift)"
                if known == nil { note += "; no source high watermark known (the daemon never recorded one)" }
                receipts.append(FailoverReceipt(
                    destination: name, topic: partition.topic, partition: partition.partition, sourceHighWatermark: known ?? end,
                    sourceAnswered: live != nil, destinationLogEnd: end, recordsPossiblyLost: max(0, (known ?? end) - end),
                    failedOverAt: now, note: note))
            }
        }
        if dryRun {
            return Outcome(receipts: receipts, repeated: false, dryRun: true, daemon: daemon, offsetSync: "not run (dry run)")
        }
        try store.saveReceipts(receipts)
        let saved = try store.receipts().filter { selected($0.topic) }
        return Outcome(receipts: saved, repeated: false, dryRun: false, daemon: daemon, offsetSync: offsetSync)
    }

    /// The partitions of the selected topics on every destination: the topics the daemon
    /// recorded marks for, the ones named, and (for the whole link) the destination topics
    /// the link's selection matches.
    private func selectedPartitions(
        _ selected: (String) -> Bool, topics: [String], destinations: [String: KafkaClient]
    ) async throws -> [String: [TopicPartitionID]] {
        let marks = try store.marks().filter { selected($0.topic) }
        var result: [String: [TopicPartitionID]] = [:]
        for (name, client) in destinations {
            let snapshot = try await client.refreshMetadata()
            var names = Set(marks.filter { $0.destination == name }.map(\.topic)).union(topics)
            if topics.isEmpty {
                names.formUnion(snapshot.topics.values.filter { !$0.isInternal && configuration.topics.matches($0.name) }.map(\.name))
            }
            var partitions: [TopicPartitionID] = []
            for topic in names.sorted() {
                guard let described = snapshot.topics[topic], described.error == .none else {
                    throw FailoverError("topic \(topic) does not exist on destination \(name)")
                }
                partitions += described.partitions.map { TopicPartitionID(topic, $0.index) }.sorted()
            }
            result[name] = partitions
        }
        return result
    }

    /// Waits until a live daemon has stopped the mirrors of `selection`; returns what happened.
    func waitForDaemon(_ selection: [String]) async throws -> String {
        switch try await DaemonAcknowledgement.wait(for: selection, in: store, timeout: acknowledgementTimeout) {
        case .acknowledged: return "acknowledged: the daemon stopped the mirrors"
        case .noDaemon: return "not running: acting alone"
        case .daemonStopped: return "stopped while we waited: acting alone"
        case .timedOut(let beat):
            throw FailoverError(
                "the daemon (process \(beat.processID) on \(beat.host)) did not confirm within \(acknowledgementTimeout) that the mirrors stopped; "
                    + "the topics stay marked failed over, run failover again")
        }
    }
}

/// A DR command that cannot go on, with what to do about it.
public struct FailoverError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) { self.description = description }
}
