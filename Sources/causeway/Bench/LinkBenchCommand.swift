import ArgumentParser
import Foundation

extension LinkBenchmark.Mode: ExpressibleByArgument {}

/// `causeway bench link`: the link engine between two brokers on loopback.
struct LinkBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Mirror between two broker processes on loopback: throughput, CPU per GB, latency, memory.",
        discussion: """
            The source and destination are `causeway broker` child processes and the load \
            generator is another (`causeway bench produce`), so this process runs only the \
            link engine: its CPU (getrusage) and resident memory (VmRSS) are the daemon's.

            throughput: fill the source (--fill-mib), start the link, time it until every \
            destination partition ends where its source partition does.
            latency: produce --rate MB/s for --warm-up + --seconds; report the time from \
            sending a batch to the source to its being readable on the destination.
            memory: --partitions (default 1000) with --batches-per-partition each; report \
            resident memory before the link and once it is caught up and idle.

            MB is 10^6 bytes and GB 10^9, counted as record batch bytes (compressed, as on \
            the wire and on disk). Build with -c release for numbers worth comparing.
            """
    )

    @Option(help: "throughput, latency or memory.")
    var mode: LinkBenchmark.Mode = .throughput

    @Option(help: "Partitions of the mirrored topic. Default: 16 (throughput), 8 (latency), 1000 (memory).")
    var partitions: Int?

    @Option(help: "Codecs of the batches, comma-separated, taking turns: none, gzip, snappy, lz4, zstd.")
    var codecs: String = "none,snappy,lz4,zstd"

    @Option(help: "Records per batch.")
    var batchRecords: Int = 32

    @Option(help: "Bytes per record value.")
    var recordBytes: Int = 1024

    @Option(help: "throughput: MiB of batches written to the source before the link starts.")
    var fillMib: Int = 512

    @Option(help: "latency: MB/s produced to the source.")
    var rate: Double = 20

    @Option(help: "latency: seconds measured (after the warm-up).")
    var seconds: Double = 30

    @Option(help: "latency: seconds of warm-up, not measured.")
    var warmUp: Double = 5

    @Option(help: "memory: batches written to each partition before the link starts.")
    var batchesPerPartition: Int = 4

    @Option(help: "memory: seconds the caught-up link idles before memory is read.")
    var settle: Double = 10

    @Option(help: "Runs (each with fresh brokers); the report gives the median and the spread.")
    var runs: Int = 1

    @Flag(help: "Print the result as JSON instead of a table.")
    var json = false

    @Option(help: "Log level of the link engine.")
    var logLevel: String = "error"

    func validate() throws {
        if let partitions, !(1...100_000).contains(partitions) {
            throw ValidationError("--partitions must be 1 to 100000, got \(partitions)")
        }
        _ = try BenchProduceCommand.parseCodecs(codecs)
        guard (1...100_000).contains(batchRecords) else { throw ValidationError("--batch-records must be 1 to 100000") }
        guard (16...1_048_576).contains(recordBytes) else {
            throw ValidationError("--record-bytes must be 16 to 1048576")
        }
        guard fillMib >= 1 else { throw ValidationError("--fill-mib must be at least 1") }
        guard rate > 0 && rate <= 10_000 else { throw ValidationError("--rate must be above 0 and at most 10000 MB/s") }
        guard seconds > 0 && warmUp >= 0 else {
            throw ValidationError("--seconds must be above 0 and --warm-up at least 0")
        }
        guard batchesPerPartition >= 1 else { throw ValidationError("--batches-per-partition must be at least 1") }
        guard settle > 0 else { throw ValidationError("--settle must be above 0") }
        guard (1...20).contains(runs) else { throw ValidationError("--runs must be 1 to 20") }
    }

    func run() async throws {
        #if DEBUG
            FileHandle.standardError.write(
                Data("note: this is a debug build; numbers are far below a release build's\n".utf8))
        #endif
        let logger = bootstrapLogging(level: logLevel, label: "causeway.bench")
        let settings = LinkBenchmark.Settings(
            mode: mode,
            partitions: partitions ?? [.throughput: 16, .latency: 8, .memory: 1000][mode]!,
            codecs: codecs, batchRecords: batchRecords, recordBytes: recordBytes, fillMiB: fillMib, rate: rate,
            seconds: seconds, warmUp: warmUp, batchesPerPartition: batchesPerPartition, settle: settle)
        var results: [LinkBenchReport.Run] = []
        if runs == 1 {
            let loadAverage = LinkBenchReport.loadAverage()
            progress("\(mode.rawValue) (load average \(loadAverage))...")
            let metrics = try await LinkBenchmark(settings: settings, logger: logger).run()
            results.append(LinkBenchReport.Run(loadAverage: loadAverage, metrics: metrics))
        } else {
            // Each run in a fresh process: resident memory before a run, and its peak, would
            // otherwise carry what the previous runs left in malloc's arenas.
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "causeway-bench-runs-\(getpid())"
            ).path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            for index in 1...runs {
                progress("run \(index)/\(runs) (\(mode.rawValue), load average \(LinkBenchReport.loadAverage()))...")
                let child = try BenchChild(
                    name: "run-\(index)", arguments: childArguments(settings), directory: directory)
                let status = try await child.waitForExit(timeout: .seconds(7200))
                guard status == 0, let data = FileManager.default.contents(atPath: child.outputPath),
                    let run = try JSONDecoder().decode(LinkBenchReport.self, from: data).runs.first
                else {
                    throw BenchError("run \(index) failed (exit status \(status))", detail: child.errorTail)
                }
                results.append(run)
                progress("run \(index)/\(runs): " + LinkBenchReport.headline(run.metrics))
            }
        }
        let report = LinkBenchReport(
            command: ([BenchChild.executablePath] + CommandLine.arguments.dropFirst()).joined(separator: " "),
            settings: settings, runs: results)
        print(json ? try report.json() : report.table())
    }

    /// `causeway bench link` with these settings, once, as JSON.
    private func childArguments(_ settings: LinkBenchmark.Settings) -> [String] {
        [
            "bench", "link", "--mode", mode.rawValue, "--partitions", "\(settings.partitions)", "--codecs", codecs,
            "--batch-records", "\(batchRecords)", "--record-bytes", "\(recordBytes)", "--fill-mib", "\(fillMib)",
            "--rate", "\(rate)", "--seconds", "\(seconds)", "--warm-up", "\(warmUp)",
            "--batches-per-partition", "\(batchesPerPartition)", "--settle", "\(settle)", "--runs", "1", "--json",
            "--log-level", logLevel,
        ]
    }

    private func progress(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
