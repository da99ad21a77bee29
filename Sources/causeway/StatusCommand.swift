import ArgumentParser
import Causeway
import Foundation

/// `causeway status`: the state of every mirrored partition, from the daemon's status file.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each partition's state, fidelity, source high watermark, destination log end and lag."
    )

    @Option(name: .long, help: "The link configuration (YAML); locates the status file.")
    var config: String?

    @Option(name: .long, help: "The status file to read (default: the one `causeway run` writes for --config).")
    var statusFile: String?

    @Flag(name: .long, help: "Print the status as JSON.")
    var json = false

    func validate() throws {
        if config == nil && statusFile == nil {
            throw ValidationError("give --config (the link file) or --status-file")
        }
    }

    func run() throws {
        let path = try statusFile ?? statusPath(for: loadLink(config!))
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("no status at \(path): is `causeway run` running for this link?")
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let status = try decoder.decode(LinkStatus.self, from: data)
        if json {
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let age = Date().timeIntervalSince(status.updatedAt)
        let alive = kill(status.processID, 0) == 0
        print("link \(status.link), updated \(Int(age))s ago by process \(status.processID)\(alive ? "" : " (not running)")")
        if age > 10 || !alive {
            print("warning: the daemon is not updating this status; offsets below may be out of date")
        }
        print(StatusTable.render(status.partitions))
        if let sync = status.offsetSync {
            print(Self.describe(sync))
        }
        let unhealthy = status.partitions.filter { ["FAILED", "DIVERGED"].contains($0.state) }
        if !unhealthy.isEmpty { throw ExitCode(2) }
    }

    /// One summary line for the consumer-offset sync, then one line per group not synced.
    static func describe(_ sync: OffsetSyncReport) -> String {
        let outcomes = Dictionary(grouping: sync.groups, by: \.outcome).mapValues(\.count)
        let committed = sync.groups.reduce(0) { $0 + $1.committed.count }
        var lines = [
            "consumer offsets: \(outcomes["SYNCED", default: 0]) synced, \(outcomes["SKIPPED", default: 0]) skipped, "
                + "\(outcomes["FAILED", default: 0]) failed (group x destination); last round committed \(committed) offset(s) in "
                + String(format: "%.2fs", sync.durationSeconds)
        ]
        for group in sync.groups where group.outcome != "SYNCED" {
            lines.append("group \(group.group) -> \(group.destination): \(group.outcome), \(group.reason ?? "")")
        }
        return lines.joined(separator: "\n")
    }
}

/// The partition table of `causeway status` and the demo.
enum StatusTable {
    static func render(_ partitions: [PartitionStatus]) -> String {
        var rows = [["DESTINATION", "TOPIC", "PART", "STATE", "FIDELITY", "SOURCE HW", "DEST END", "LAG", "LAG S", "REASON"]]
        for line in partitions {
            rows.append([
                line.destination, line.topic, "\(line.partition)", line.state, line.fidelity, "\(line.sourceHighWatermark)",
                "\(line.destinationLogEnd)", "\(line.lagRecords)", String(format: "%.1f", line.lagSeconds), line.reason ?? "",
            ])
        }
        return aligned(rows)
    }

    /// Rows as left-aligned columns two spaces apart (the first row is the header).
    static func aligned(_ rows: [[String]]) -> String {
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
