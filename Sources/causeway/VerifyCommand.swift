import ArgumentParser
import Causeway
import Foundation
import KafkaClient
import Synchronization

/// `causeway verify`: compares every mirrored partition with its source, record by record.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare the mirrors of a link with their source, offset by offset and byte by byte.",
        discussion: """
            For every partition of the selected topics on every destination, compares the \
            records from the source's log start up to the destination's log end (or --up-to): \
            offset, key, value, headers, timestamp, and whole batch bytes where they are \
            identical. Source records not mirrored yet are reported as lag, not as differences. \
            Exit status: 0 identical, 1 differences found, 2 a partition could not be compared, \
            3 a cluster is unreachable, 64 a bad configuration.
            """
    )

    @Option(name: .long, help: "The link configuration (YAML).")
    var config: String

    @Option(name: .long, help: "Compare only this topic (repeatable). Default: every topic the link mirrors.")
    var topic: [String] = []

    @Option(name: .long, help: "Compare no offset at or past this one in any partition.")
    var upTo: Int64?

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    /// The result as `--json` prints it.
    struct Report: Codable {
        var identical: Bool
        var partitions: [LinkVerifier.PartitionResult]
        var comparedRecords: Int64
        var differences: Int64
        var lag: Int64
        var errors: [String]
    }

    static let exitDifferent: Int32 = 1
    static let exitIncomplete: Int32 = 2
    static let exitUnreachable: Int32 = 3

    func validate() throws {
        if let upTo, upTo < 0 { throw ValidationError("--up-to must be an offset, 0 or more; got \(upTo)") }
    }

    func run() async throws {
        let link = try loadLink(config)
        let source = KafkaClient(configuration: link.source.clientConfiguration)
        let destinations = link.destinations.map { (name: $0.name, client: KafkaClient(configuration: $0.cluster.clientConfiguration)) }
        let status = await verify(link, source: source, destinations: destinations)
        await source.shutdown()
        for destination in destinations { await destination.client.shutdown() }
        if status != 0 { throw ExitCode(status) }
    }

    /// Compares and prints; returns the exit status.
    private func verify(_ link: LinkConfiguration, source: KafkaClient, destinations: [(name: String, client: KafkaClient)]) async -> Int32 {
        for (name, client) in [("source", source)] + destinations.map({ ($0.name, $0.client) }) {
            do {
                _ = try await client.retrying(attempts: 3) { try await client.refreshMetadata(topics: []) }
            } catch {
                let servers = client.configuration.bootstrapServers.map(\.description).joined(separator: ",")
                Self.printError("cluster \(name) (\(servers)) is unreachable: \(error)")
                return Self.exitUnreachable
            }
        }
        let verifier = LinkVerifier(configuration: link, topics: topic.isEmpty ? nil : topic, bound: upTo)
        let partitions: [TopicPartitionID]
        do {
            partitions = try await verifier.partitions(on: source)
        } catch {
            Self.printError("cannot list the partitions to verify: \(error)")
            return Self.exitIncomplete
        }

        let progress = ProgressLine(total: partitions.count * destinations.count, quiet: json)
        var report = Report(identical: true, partitions: [], comparedRecords: 0, differences: 0, lag: 0, errors: [])
        for destination in destinations {
            for partition in partitions {
                progress.startPartition(destination.name, partition)
                do {
                    let result = try await verifier.verify(
                        partition, source: source, destination: destination, progress: { progress.reached($1, in: $0) })
                    report.partitions.append(result)
                    report.comparedRecords += result.comparedRecords
                    report.differences += result.differenceCount
                    report.lag += result.lag
                    if !json {
                        for difference in result.differences {
                            print("DIFFERENT \(destination.name) \(partition) \(difference)")
                        }
                        let unlisted = result.differenceCount - Int64(result.differences.count)
                        if unlisted > 0 { print("DIFFERENT \(destination.name) \(partition) and \(unlisted) more offset(s)") }
                        if result.lag > 0 {
                            print(
                                "LAG \(destination.name) \(partition) \(result.lag) record(s) not mirrored yet "
                                    + "(source high watermark \(result.sourceHighWatermark), destination log end \(result.destinationLogEnd))")
                        }
                    }
                } catch {
                    report.errors.append("\(destination.name) \(partition): \(error)")
                    if !json { print("ERROR \(destination.name) \(partition): \(error)") }
                }
            }
        }
        report.identical = report.differences == 0 && report.errors.isEmpty
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self))
        } else {
            print(Self.summary(report, destinations: destinations.count))
        }
        if report.differences > 0 { return Self.exitDifferent }
        return report.errors.isEmpty ? 0 : Self.exitIncomplete
    }

    static func summary(_ report: Report, destinations: Int) -> String {
        let fidelities = Dictionary(grouping: report.partitions, by: \.fidelity).mapValues(\.count)
        let classes = ["exact", "records", "filled", "different"].compactMap { name in fidelities[name].map { "\(name) \($0)" } }
        let verdict = report.differences > 0 ? "DIFFERENT" : report.errors.isEmpty ? "IDENTICAL" : "INCOMPLETE"
        return "\(verdict): \(report.partitions.count) partition(s) on \(destinations) destination(s), "
            + "\(report.comparedRecords) records compared, \(report.differences) difference(s), lag \(report.lag) record(s)"
            + (classes.isEmpty ? "" : " (\(classes.joined(separator: ", ")))")
            + (report.errors.isEmpty ? "" : ", \(report.errors.count) partition(s) not compared")
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data("causeway verify: \(text)\n".utf8))
    }
}

/// Progress on standard error, at most every two seconds, so long runs show they move.
final class ProgressLine: Sendable {
    private struct State {
        var done = -1
        var current = ""
        var lastPrinted = ContinuousClock.now
    }

    private let total: Int
    private let quiet: Bool
    private let state = Mutex(State())

    init(total: Int, quiet: Bool) {
        self.total = total
        self.quiet = quiet
    }

    func startPartition(_ destination: String, _ partition: TopicPartitionID) {
        state.withLock { state in
            state.done += 1
            state.current = "\(destination) \(partition)"
        }
        report(nil)
    }

    func reached(_ offset: Int64, in partition: TopicPartitionID) {
        report(offset)
    }

    private func report(_ offset: Int64?) {
        guard !quiet else { return }
        let line: String? = state.withLock { state in
            guard state.lastPrinted.duration(to: .now) >= .seconds(2) else { return nil }
            state.lastPrinted = .now
            return "verifying \(state.current)\(offset.map { " at offset \($0)" } ?? "") (\(state.done)/\(total) partitions done)"
        }
        if let line { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }
}
