import CausewayStore
import Foundation
import KafkaClient
import Logging

/// `causeway promote`: a planned cut-over (the migration case). The source still answers:
/// optionally fence its writers, wait until the destination holds everything the source
/// has, then fail over with nothing lost.
///
/// Without a fence, producers may keep writing to the source while the mirrors stop. So
/// promote stops the mirrors only when lag is zero, then compares again with the mirrors
/// stopped and settled: if the source moved in between, it lifts the stop (mirroring goes
/// on) and waits for the next moment of zero lag. A producer that writes to the source
/// after promote returns still writes to the old primary: fence (or stop producers first)
/// when producers switch by themselves.
///
/// The fence sets `max.message.bytes=1` on the source topics: every later Produce to them
/// is refused with MESSAGE_TOO_LARGE (never acknowledged), so a producer learns at once that
/// the source is closed and can send the record to the destination instead; no write is
/// acknowledged by the source and left behind. On a stock Kafka without an authorizer this
/// is the one fence that needs no broker change. On timeout the original value is put back.
public struct Promote: Sendable {
    public let configuration: LinkConfiguration
    public let store: any CheckpointStore
    public var timeout: Duration = .seconds(60)
    public var fence = false
    public var acknowledgementTimeout: Duration = .seconds(30)
    public var finalOffsetSync: Failover.FinalOffsetSync? = nil
    let logger: Logger

    public init(configuration: LinkConfiguration, store: any CheckpointStore, logger: Logger = Logger(label: "causeway.promote")) {
        self.configuration = configuration
        self.store = store
        self.logger = logger
    }

    public struct Outcome: Sendable {
        public var failover: Failover.Outcome
        /// Source topics whose writers were fenced.
        public var fenced: [String]
        /// How many times the mirrors were stopped before the source stood still.
        public var attempts: Int
    }

    /// The config the fence sets on the source topics, and its value. Config sync never
    /// copies this value to a destination (TopicSynchronizer).
    public static let fenceConfig = "max.message.bytes"
    public static let fenceValue = "1"

    public func run(topics requested: [String]) async throws -> Outcome {
        try await withLinkClients(configuration, logger: logger) { source, destinations in
            try await run(topics: requested, source: source, destinations: Array(destinations.values))
        }
    }

    private func run(topics requested: [String], source: KafkaClient, destinations: [KafkaClient]) async throws -> Outcome {
        let snapshot = try await source.refreshMetadata()
        let topics = requested.isEmpty
            ? snapshot.topics.values.filter { !$0.isInternal && configuration.topics.matches($0.name) }.map(\.name).sorted()
            : requested
        var partitions: [TopicPartitionID] = []
        for topic in topics {
            guard let described = snapshot.topics[topic], described.error == .none else {
                throw FailoverError("topic \(topic) does not exist on the source")
            }
            partitions += described.partitions.map { TopicPartitionID(topic, $0.index) }
        }
        let selection = requested.isEmpty ? [TopicControl.allTopics] : requested
        let before = try store.controls().filter { selection.contains($0.topic) }
        let existing = before.filter { $0.state == .failedOver }
        // Lifting promote's stop puts back what was there (a pause stays a pause).
        let restore = {
            for topic in selection { try store.setControl(topic: topic, state: before.first { $0.topic == topic }?.state, at: Date()) }
        }
        guard existing.isEmpty else {
            throw FailoverError("already failed over: \(existing.map(\.topic).joined(separator: ", ")); see `causeway failover` for the receipts")
        }

        var originals: [String: String?] = [:]
        if fence {
            for topic in topics {
                let current = try await source.describeTopicConfigs(topic)[Self.fenceConfig]
                originals[topic] = current?.isSet == true ? current?.value : nil
                try await source.alterTopicConfigs(topic, [Self.fenceConfig: Self.fenceValue])
            }
            logger.info("fenced source writers of \(topics.joined(separator: ", "))")
        }

        let deadline = ContinuousClock.now.advanced(by: timeout)
        var attempts = 0
        var lastLag: [TopicPartitionID: Int64] = [:]
        var caughtUp = false
        do {
            while ContinuousClock.now < deadline {
                lastLag = try await lag(partitions, source: source, destinations: destinations, settled: false)
                if lastLag.values.allSatisfy({ $0 == 0 }) {
                    attempts += 1
                    let now = Date()
                    for topic in selection { try store.setControl(topic: topic, state: .failedOver, at: now) }
                    let remaining = deadline - ContinuousClock.now
                    let acknowledgement = try await DaemonAcknowledgement.wait(
                        for: selection, in: store, timeout: max(.zero, min(acknowledgementTimeout, remaining)))
                    if acknowledgement.isSettled {
                        lastLag = try await lag(partitions, source: source, destinations: destinations, settled: true)
                        if lastLag.values.allSatisfy({ $0 == 0 }) {
                            caughtUp = true
                            break
                        }
                        logger.info("the source moved while the mirrors stopped; mirroring again (attempt \(attempts))")
                    }
                    try restore()
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            guard caughtUp else {
                let behind = lastLag.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                throw FailoverError(
                    "lag did not reach zero within \(timeout) (behind: \(behind.joined(separator: ", "))); nothing changed, mirroring goes on")
            }
        } catch {
            try? restore()
            for (topic, value) in originals { try? await source.alterTopicConfigs(topic, [Self.fenceConfig: value]) }
            throw error
        }

        var failover = Failover(configuration: configuration, store: store, logger: logger)
        failover.acknowledgementTimeout = acknowledgementTimeout
        failover.finalOffsetSync = finalOffsetSync
        let outcome = try await failover.run(topics: requested)
        // Config sync skips the fence value, and so, while fenced, may have reset the
        // destination's limit to its default: the new primary gets the source's original.
        for (topic, original) in originals {
            for destination in destinations { try await destination.alterTopicConfigs(topic, [Self.fenceConfig: original]) }
        }
        return Outcome(failover: outcome, fenced: fence ? topics : [], attempts: attempts)
    }

    /// Per partition and destination, how many source offsets the destination lacks (the
    /// worst destination counts).
    private func lag(
        _ partitions: [TopicPartitionID], source: KafkaClient, destinations: [KafkaClient], settled: Bool
    ) async throws -> [TopicPartitionID: Int64] {
        var lag: [TopicPartitionID: Int64] = [:]
        for destination in destinations {
            // A mirror topic the daemon has not created yet is simply behind.
            let ends = settled
                ? try await ClusterOffsets.settledLatest(partitions, on: destination)
                : try await ClusterOffsets.latest(partitions, on: destination, missing: -1)
            let sourceEnds = try await ClusterOffsets.latest(partitions, on: source)
            for partition in partitions {
                lag[partition] = max(lag[partition] ?? 0, sourceEnds[partition]! - ends[partition]!)
            }
        }
        return lag
    }
}
