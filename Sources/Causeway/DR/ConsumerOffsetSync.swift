import KafkaClient
import Logging
import Synchronization

/// Copies the committed offsets of the link's selected consumer groups from the source
/// to every destination (DESIGN.md, disaster recovery), so that consumers moved to a
/// destination resume where they left off on the source.
///
/// A round (``syncOnce()``) lists the source's groups, keeps those `groups` selects,
/// reads their offsets, and for each destination commits them — clamped and filtered
/// by ``OffsetSyncPlan`` — for the groups with no active members there. A group that
/// already has consumers on a destination owns its offsets there: Causeway never
/// commits over them (the coordinator would refuse an admin commit anyway).
///
/// The engine runs ``run()`` every `groups.syncInterval`; `causeway failover` runs one
/// last ``syncOnce()`` with the daemon stopped.
public final class ConsumerOffsetSync: Sendable {
    let selection: GroupSelection
    let topics: TopicSelection
    let source: KafkaClient
    let destinations: [(name: String, client: KafkaClient)]
    let logger: Logger
    private let last = Mutex<OffsetSyncReport?>(nil)

    public init(
        selection: GroupSelection, topics: TopicSelection, source: KafkaClient,
        destinations: [(name: String, client: KafkaClient)], logger: Logger = Logger(label: "causeway.offsets")
    ) {
        self.selection = selection
        self.topics = topics
        self.source = source
        self.destinations = destinations
        self.logger = logger
    }

    /// The report of the latest round, nil before the first.
    public var lastReport: OffsetSyncReport? { last.withLock { $0 } }

    /// Syncs every `selection.syncInterval` until the task is cancelled. A failed round
    /// is logged and retried at the next interval.
    public func run() async {
        while !Task.isCancelled {
            do {
                _ = try await syncOnce()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("consumer offset sync failed: \(error)")
            }
            try? await Task.sleep(for: selection.syncInterval)
        }
    }

    /// One round: reads the selected groups' offsets on the source and commits them on
    /// each destination. Throws only when the source cannot be read; a destination or
    /// group that fails is reported as FAILED in the result and the others go on.
    public func syncOnce() async throws -> OffsetSyncReport {
        let started = ContinuousClock.now
        let groups = try await source.listGroups().map(\.groupID).filter(selection.matches)
        var sourceOffsets: [String: [TopicPartitionID: GroupOffset]] = [:]
        var report = OffsetSyncReport()
        for (group, fetched) in try await source.fetchGroupOffsets(groups) {
            switch fetched {
            case .success(let offsets):
                sourceOffsets[group] = offsets.filter { topics.matches($0.key.topic) }
            case .failure(let error):
                for destination in destinations {
                    report.groups.append(.init(destination: destination.name, group: group, outcome: "FAILED", reason: "source: \(error)"))
                }
            }
        }
        for destination in destinations {
            report.groups += await sync(sourceOffsets, to: destination.name, destination.client)
        }
        report.groups.sort { ($0.destination, $0.group) < ($1.destination, $1.group) }
        let elapsed = started.duration(to: .now).components
        report.durationSeconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18
        let previous = last.withLock { last in
            defer { last = report }
            return last
        }
        log(report, after: previous)
        return report
    }

    private func sync(
        _ sourceOffsets: [String: [TopicPartitionID: GroupOffset]], to name: String, _ client: KafkaClient
    ) async -> [OffsetSyncReport.GroupResult] {
        let groups = sourceOffsets.keys.sorted()
        guard !groups.isEmpty else { return [] }
        let partitions = Set(sourceOffsets.values.flatMap(\.keys))
        var logEnds: [TopicPartitionID: Int64] = [:]
        var descriptions: [String: Result<GroupDescription, KafkaClientError>] = [:]
        var existing: [String: Result<[TopicPartitionID: GroupOffset], KafkaClientError>] = [:]
        do {
            for (partition, result) in try await client.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, .latest) })) {
                // A partition not (yet) on the destination has no log end and is not synced.
                if case .success(let found) = result { logEnds[partition] = found.offset }
            }
            descriptions = try await client.describeGroups(groups)
            existing = try await client.fetchGroupOffsets(groups)
        } catch {
            return groups.map { .init(destination: name, group: $0, outcome: "FAILED", reason: "\(error)") }
        }
        var results: [OffsetSyncReport.GroupResult] = []
        for group in groups {
            var result = OffsetSyncReport.GroupResult(destination: name, group: group, outcome: "SYNCED")
            switch descriptions[group] {
            case .success(let description) where description.hasActiveMembers:
                result.outcome = "SKIPPED"
                result.reason = "\(description.members.count) active member(s) on \(name) (\(description.state))"
            case .failure(let error):
                result.outcome = "FAILED"
                result.reason = "cannot describe the group on \(name): \(error)"
            default:
                do {
                    let failures: [String]
                    (result.committed, failures) = try await commit(
                        group, sourceOffsets[group]!, over: existing[group]!.get(), logEnds: logEnds, on: client)
                    if !failures.isEmpty {
                        result.outcome = "FAILED"
                        result.reason = "commit refused for " + failures.joined(separator: "; ")
                    }
                } catch {
                    result.outcome = "FAILED"
                    result.reason = "\(error)"
                }
            }
            results.append(result)
        }
        return results
    }

    /// One line per destination that got commits this round, and one per group whose
    /// outcome or reason changed since the last round (a group skipped for an hour is
    /// logged once, not every interval).
    private func log(_ report: OffsetSyncReport, after previous: OffsetSyncReport?) {
        for destination in destinations.map(\.name) {
            let synced = report.groups.filter { $0.destination == destination && !$0.committed.isEmpty }
            guard !synced.isEmpty else { continue }
            let offsets = synced.reduce(0) { $0 + $1.committed.count }
            let clamped = synced.reduce(0) { $0 + $1.committed.filter(\.clamped).count }
            let names = synced.prefix(10).map(\.group).joined(separator: ", ") + (synced.count > 10 ? " and \(synced.count - 10) more" : "")
            logger.info(
                "synced \(synced.count) group(s) to \(destination), \(offsets) offset(s)\(clamped > 0 ? ", \(clamped) clamped to the mirrored log end" : ""): \(names)")
        }
        for result in report.groups where result.outcome != "SYNCED" {
            let before = previous?.result(group: result.group, destination: result.destination)
            guard before?.outcome != result.outcome || before?.reason != result.reason else { continue }
            logger.notice("offsets of group \(result.group) not synced to \(result.destination) (\(result.outcome)): \(result.reason ?? "")")
        }
    }

    private func commit(
        _ group: String, _ offsets: [TopicPartitionID: GroupOffset], over existing: [TopicPartitionID: GroupOffset],
        logEnds: [TopicPartitionID: Int64], on client: KafkaClient
    ) async throws -> (committed: [OffsetSyncReport.CommittedOffset], failures: [String]) {
        let plan = OffsetSyncPlan(source: offsets, destination: existing, destinationLogEnds: logEnds, isMirrored: topics.matches)
        guard !plan.commits.isEmpty else { return ([], []) }
        let errors = try await client.commitGroupOffsets(group, plan.commits)
        var committed: [OffsetSyncReport.CommittedOffset] = []
        var failures: [String] = []
        for (partition, offset) in plan.commits.sorted(by: { $0.key < $1.key }) {
            if let error = errors[partition] ?? nil {
                failures.append("\(partition): \(error)")
            } else {
                committed.append(
                    .init(topic: partition.topic, partition: partition.partition, offset: offset.offset, clamped: plan.clamped.contains(partition)))
            }
        }
        return (committed, failures)
    }
}

extension ConsumerOffsetSync {
    /// The sync a link configuration describes, with clients the caller owns (the
    /// engine's, or fresh ones for `causeway failover` with the daemon stopped).
    public convenience init(
        configuration: LinkConfiguration, source: KafkaClient, destinations: [(String, KafkaClient)],
        logger: Logger = Logger(label: "causeway.offsets")
    ) {
        self.init(
            selection: configuration.groups, topics: configuration.topics, source: source,
            destinations: destinations.map { (name: $0.0, client: $0.1) }, logger: logger)
    }
}
