import Foundation

/// What `causeway bench link` prints: a table (median and spread over the runs, against
/// the targets) or the same as JSON.
struct LinkBenchReport: Codable {
    struct Run: Codable {
        /// /proc/loadavg's 1-minute figure when the run began: other work on the machine.
        var loadAverage: Double
        var metrics: [BenchMetric]
    }

    struct Machine: Codable {
        var cores: Int
        var system: String
        var build: String
    }

    var command: String
    var settings: LinkBenchmark.Settings
    var machine = Machine(
        cores: ProcessInfo.processInfo.activeProcessorCount,
        system: ProcessInfo.processInfo.operatingSystemVersionString,
        build: LinkBenchReport.buildKind)
    var runs: [Run]
    var summary: [BenchSummary]

    init(command: String, settings: LinkBenchmark.Settings, runs: [Run]) {
        self.command = command
        self.settings = settings
        self.runs = runs
        summary = BenchSummary.of(runs.map(\.metrics))
    }

    static var buildKind: String {
        #if DEBUG
            "debug"
        #else
            "release"
        #endif
    }

    static func loadAverage() -> Double {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").first.flatMap { Double($0) } ?? -1
    }

    /// The run's figures that carry a target, for the progress line.
    static func headline(_ metrics: [BenchMetric]) -> String {
        let shown = metrics.filter {
            $0.target != nil || ["mb_per_second", "latency_p50_ms", "kb_per_partition"].contains($0.key)
        }
        return shown.map { "\($0.label) \(BenchMetric.format($0.value)) \($0.unit)" }.joined(separator: ", ")
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func table() -> String {
        let loads = runs.map { BenchMetric.format($0.loadAverage) }.joined(separator: ", ")
        var lines = [
            "causeway bench link: \(settings.mode.rawValue), \(machine.build) build, \(machine.cores) cores, load average at start of each run: \(loads)",
            "command: \(command)",
            "settings: \(settingsLine)",
            "",
        ]
        var rows = [
            ["METRIC", "UNIT", runs.count > 1 ? "MEDIAN" : "VALUE", runs.count > 1 ? "MIN-MAX" : "", "TARGET", ""]
        ]
        for line in summary {
            rows.append([
                line.label, line.unit, BenchMetric.format(line.median),
                runs.count > 1 ? "\(BenchMetric.format(line.minimum))-\(BenchMetric.format(line.maximum))" : "",
                line.target?.description ?? "", line.met.map { $0 ? "met" : "MISSED" } ?? "",
            ])
        }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(
                zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                    .trimmingCharacters(in: .whitespaces))
        }
        return lines.joined(separator: "\n")
    }

    private var settingsLine: String {
        let batches =
            "\(settings.partitions) partitions, codecs \(settings.codecs), \(settings.batchRecords) x \(settings.recordBytes) B records per batch"
        switch settings.mode {
        case .throughput: return "\(batches), \(settings.fillMiB) MiB written before the link starts"
        case .latency:
            return
                "\(batches), \(BenchMetric.format(settings.rate)) MB/s for \(BenchMetric.format(settings.warmUp)) s warm-up + \(BenchMetric.format(settings.seconds)) s"
        case .memory:
            return
                "\(batches), \(settings.batchesPerPartition) batches per partition, \(BenchMetric.format(settings.settle)) s idle before reading memory"
        }
    }
}
