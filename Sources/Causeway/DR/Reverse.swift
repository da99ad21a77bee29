import CausewayStore
import Foundation
import KafkaClient
import KafkaProtocol
import Logging

/// `causeway reverse`: fail back. After a failover the destination is the primary; the
/// old primary (the link's source) is back. Reverse makes the link mirror the other way,
/// at the same offsets, without losing a write either side acknowledged.
///
/// Per failed-over partition, with F the failover point (the destination log end in its
/// receipt) and E the old primary's log end now:
/// - E <= F, *clean*: the old primary holds nothing the new one lacks; the reversed link
///   continues it from E with the new primary's records (the start-up check still compares
///   the old primary's tail with the new primary's before writing anything).
/// - E > F, *divergent*: the old primary took writes after the failover point that never
///   reached the new primary (un-mirrored when the source was lost). Those records are
///   exported to a JSON-lines file (synced to disk), then the topic is re-seeded: a stock
///   Kafka cannot truncate a partition, so the topic is deleted on the old primary; the
///   reversed link recreates it and copies the new primary from its log start (fillers up
///   to the log start, then DeleteRecords, as for any mirror). A topic with one divergent
///   partition is re-seeded whole; its clean partitions are copied back identically.
///
/// Order matters for a daemon that is running: topics stay failed over (untouched by the
/// daemon) while exporting and deleting; then the store's direction flips to reversed (the
/// daemon restarts its engine the other way round) and only then are the failed-over
/// controls and receipts removed, so nothing ever mirrors forward again.
public struct Reverse: Sendable {
    public let configuration: LinkConfiguration
    public let store: any CheckpointStore
    /// Where the divergent records' file goes.
    public var exportDirectory: String
    let logger: Logger

    public init(configuration: LinkConfiguration, store: any CheckpointStore, exportDirectory: String, logger: Logger = Logger(label: "causeway.reverse")) {
        self.configuration = configuration
        self.store = store
        self.exportDirectory = exportDirectory
        self.logger = logger
    }

    public struct PartitionOutcome: Sendable, Codable, Hashable {
        public var topic: String
        public var partition: Int32
        public var failoverPoint: Int64
        public var oldPrimaryLogEnd: Int64
        /// "continue" (clean) or "re-seed" (divergent, or in a topic that had to be re-seeded).
        public var action: String
        /// Records exported from the old primary's divergent tail.
        public var exportedRecords: Int
    }

    public struct Outcome: Sendable, Codable {
        public var partitions: [PartitionOutcome]
        public var exportFile: String?
        public var reseededTopics: [String]
    }

    public func run() async throws -> Outcome {
        _ = try configuration.reversed()  // refuses several destinations before anything changes
        let receipts = try store.receipts()
        if try store.direction() == .reversed {
            // A reverse killed after flipping the direction left its cleanup undone: finish it.
            guard !receipts.isEmpty else { throw FailoverError("link \(configuration.name) already mirrors in reverse") }
            try clearFailover(topics: Set(receipts.map(\.topic)))
            return Outcome(partitions: [], exportFile: nil, reseededTopics: [])
        }
        guard !receipts.isEmpty else {
            throw FailoverError("link \(configuration.name) has not failed over (no receipts in its store); nothing to reverse")
        }
        return try await withLinkClients(configuration, logger: logger) { oldPrimary, destinations in
            try await run(receipts: receipts, oldPrimary: oldPrimary, newPrimary: destinations.values.first!)
        }
    }

    private func run(receipts: [FailoverReceipt], oldPrimary: KafkaClient, newPrimary: KafkaClient) async throws -> Outcome {
        let points = Dictionary(receipts.map { (TopicPartitionID($0.topic, $0.partition), $0.destinationLogEnd) }, uniquingKeysWith: min)
        let snapshot = try await oldPrimary.refreshMetadata()
        let present = points.keys.filter { snapshot.topics[$0.topic]?.error == KafkaErrorCode.none }.sorted()
        let ends = try await ClusterOffsets.latest(present, on: oldPrimary)
        let divergent = present.filter { ends[$0]! > points[$0]! }
        let reseeded = Set(divergent.map(\.topic))

        var exported: [TopicPartitionID: Int] = [:]
        var exportFile: String?
        if !divergent.isEmpty {
            let export = DivergentTailExport(client: oldPrimary)
            var lines: [DivergentTailExport.Line] = []
            for partition in divergent {
                let tail = try await export.lines(of: partition, from: points[partition]!, to: ends[partition]!)
                exported[partition] = tail.count
                lines += tail
            }
            let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
            let path = URL(fileURLWithPath: exportDirectory).appendingPathComponent("\(configuration.name)-divergent-\(stamp).jsonl").path
            try DivergentTailExport.write(lines, to: path)
            exportFile = path
            logger.info("exported \(lines.count) divergent records to \(path)")
            try await deleteTopics(reseeded.sorted(), on: oldPrimary)
        }
        // A promote may have fenced the old primary's topics; the reversed link writes there.
        for topic in Set(present.map(\.topic)).subtracting(reseeded).sorted() {
            guard try await oldPrimary.describeTopicConfigs(topic)[Promote.fenceConfig]?.value == "1" else { continue }
            let original = try await newPrimary.describeTopicConfigs(topic)[Promote.fenceConfig]
            try await oldPrimary.alterTopicConfigs(topic, [Promote.fenceConfig: original?.isSet == true ? original?.value : nil])
        }

        try store.setDirection(.reversed)
        try clearFailover(topics: Set(receipts.map(\.topic)))

        let partitions = points.keys.sorted().map { partition in
            PartitionOutcome(
                topic: partition.topic, partition: partition.partition, failoverPoint: points[partition]!,
                oldPrimaryLogEnd: ends[partition] ?? 0, action: reseeded.contains(partition.topic) || ends[partition] == nil ? "re-seed" : "continue",
                exportedRecords: exported[partition] ?? 0)
        }
        return Outcome(partitions: partitions, exportFile: exportFile, reseededTopics: reseeded.sorted())
    }

    /// Removes the failed-over states (the reversed daemon then mirrors the topics) and,
    /// last, the receipts: while a receipt is left, running reverse again finishes this.
    private func clearFailover(topics: Set<String>) throws {
        for control in try store.controls()
        where control.state == .failedOver && (control.topic == TopicControl.allTopics || topics.contains(control.topic)) {
            try store.setControl(topic: control.topic, state: nil, at: Date())
        }
        try store.removeReceipts(topics: topics.sorted())
    }

    /// Deletes `topics` on the old primary and waits until its metadata no longer lists them.
    private func deleteTopics(_ topics: [String], on client: KafkaClient) async throws {
        for (topic, error) in try await client.deleteTopics(topics) {
            if let error, error.kind != .broker(.unknownTopicOrPartition) {
                throw FailoverError("cannot delete \(topic) on the old primary to re-seed it: \(error)")
            }
        }
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while ContinuousClock.now < deadline {
            let snapshot = try await client.refreshMetadata(topics: topics)
            if topics.allSatisfy({ snapshot.topics[$0] == nil || snapshot.topics[$0]?.error == .unknownTopicOrPartition }) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw FailoverError("the old primary still lists \(topics.joined(separator: ", ")) 30s after deleting them")
    }
}
