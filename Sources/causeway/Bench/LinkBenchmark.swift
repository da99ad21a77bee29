import Causeway
import Foundation
import KafkaClient
import Logging

/// One run of `causeway bench link`: two broker child processes, a load generator child
/// process, and a `LinkEngine` in this process, the only thing this process runs while
/// it is measured. CPU is this process's `getrusage(RUSAGE_SELF)`; memory its VmRSS.
struct LinkBenchmark {
    enum Mode: String, CaseIterable, Codable, Sendable {
        case throughput, latency, memory
    }

    struct Settings: Codable, Sendable {
        var mode: Mode
        var partitions: Int
        var codecs: String
        var batchRecords: Int
        var recordBytes: Int
        /// throughput: MiB written to the source before the link starts.
        var fillMiB: Int
        /// latency: MB/s produced, seconds measured, seconds of warm-up.
        var rate: Double
        var seconds: Double
        var warmUp: Double
        /// memory: batches written to each partition before the link starts; seconds the
        /// link runs idle, caught up, before memory is read.
        var batchesPerPartition: Int
        var settle: Double
    }

    let settings: Settings
    let logger: Logger

    var topic: String { "bench.\(settings.mode.rawValue)" }

    func run() async throws -> [BenchMetric] {
        let clusters = try await BenchClusters.start(partitions: settings.partitions)
        defer { clusters.stop() }
        switch settings.mode {
        case .throughput: return try await throughput(clusters)
        case .latency: return try await latency(clusters)
        case .memory: return try await memory(clusters)
        }
    }

    private var loadArguments: [String] {
        [
            "--topic", topic, "--partitions", "\(settings.partitions)", "--codecs", settings.codecs,
            "--batch-records", "\(settings.batchRecords)", "--record-bytes", "\(settings.recordBytes)",
        ]
    }

    // MARK: Modes

    /// Fill the source, then time the link from its start until every destination
    /// partition ends where its source partition does.
    private func throughput(_ clusters: BenchClusters) async throws -> [BenchMetric] {
        let fill = try await clusters.load(
            "fill", loadArguments + ["--bytes", "\(settings.fillMiB << 20)"], timeout: .seconds(1800))
        let window = try await mirror(clusters, until: fill.endOffsets, timeout: .seconds(1800))
        try await verify(clusters, endOffsets: fill.endOffsets)
        let gigabytes = Double(fill.bytes) / 1e9
        return [
            BenchMetric("mb_per_second", "mirrored", Double(fill.bytes) / 1e6 / window.seconds, "MB/s"),
            BenchMetric("records_per_second", "mirrored", Double(fill.records) / window.seconds, "records/s"),
            BenchMetric("batches_per_second", "mirrored", Double(fill.batches) / window.seconds, "batches/s"),
            BenchMetric(
                "cpu_seconds_per_gb", "daemon CPU", window.cpuSeconds / gigabytes, "CPU-s/GB",
                target: .init(bound: .atMost, limit: 0.5)),
            BenchMetric(
                "cpu_user_seconds_per_gb", "daemon CPU, user",
                (window.after.userSeconds - window.before.userSeconds) / gigabytes,
                "CPU-s/GB"),
            BenchMetric(
                "cpu_system_seconds_per_gb", "daemon CPU, system",
                (window.after.systemSeconds - window.before.systemSeconds) / gigabytes, "CPU-s/GB"),
            BenchMetric("cpu_cores", "daemon CPU while mirroring", window.cpuSeconds / window.seconds, "cores"),
            BenchMetric("seconds", "catch-up time", window.seconds, "s"),
            BenchMetric("gb", "mirrored", gigabytes, "GB"),
            BenchMetric(
                "peak_rss_mb", "daemon peak resident memory", Double(window.after.peakResidentBytes) / 1e6, "MB"),
        ]
    }

    /// Start the link on an empty topic, produce at a steady rate from a child process
    /// that also reads the destination, and take its per-batch latencies.
    private func latency(_ clusters: BenchClusters) async throws -> [BenchMetric] {
        _ = try await clusters.load("create", loadArguments + ["--batches", "0"], timeout: .seconds(120))
        return try await withLink(clusters) { engine in
            try await waitUntilMirroring(engine, timeout: .seconds(120))
            let before = ProcessUsage.now()
            let clock = ContinuousClock()
            let started = clock.now
            let load = try await clusters.load(
                "paced",
                loadArguments + [
                    "--destination", clusters.destinationBootstrap, "--rate", "\(settings.rate)", "--seconds",
                    "\(settings.seconds)", "--warm-up", "\(settings.warmUp)",
                ],
                timeout: .seconds(Int64(settings.seconds + settings.warmUp) + 300))
            try await waitUntilCaughtUp(engine, endOffsets: load.endOffsets, timeout: .seconds(600))
            let after = ProcessUsage.now()
            let elapsed = seconds(started.duration(to: clock.now))
            guard let replication = load.replication else {
                throw BenchError("the destination reader timed no batch")
            }
            let cpu = after.cpuSeconds - before.cpuSeconds
            var metrics = [
                BenchMetric("latency_p50_ms", "replication latency p50", replication.p50, "ms"),
                BenchMetric("latency_p90_ms", "replication latency p90", replication.p90, "ms"),
                BenchMetric(
                    "latency_p99_ms", "replication latency p99", replication.p99, "ms",
                    target: .init(bound: .below, limit: 50)),
                BenchMetric("latency_max_ms", "replication latency max", replication.max, "ms"),
                BenchMetric("samples", "batches timed", Double(replication.count), "batches"),
                BenchMetric(
                    "unseen_batches", "batches never seen on the destination", Double(load.unseenBatches ?? 0),
                    "batches"),
                BenchMetric("mb_per_second", "produced", Double(load.bytes) / 1e6 / load.seconds, "MB/s"),
                BenchMetric("records_per_second", "produced", Double(load.records) / load.seconds, "records/s"),
                BenchMetric("cpu_seconds_per_gb", "daemon CPU", cpu / (Double(load.bytes) / 1e9), "CPU-s/GB"),
                BenchMetric("cpu_cores", "daemon CPU at this rate", cpu / elapsed, "cores"),
                BenchMetric("producer_lateness_ms", "load generator max lateness", load.maximumLateness ?? 0, "ms"),
            ]
            if let produce = load.produceRoundTrip {
                metrics.append(BenchMetric("source_produce_p50_ms", "source Produce round trip p50", produce.p50, "ms"))
                metrics.append(BenchMetric("source_produce_p99_ms", "source Produce round trip p99", produce.p99, "ms"))
            }
            metrics.append(
                BenchMetric("peak_rss_mb", "daemon peak resident memory", Double(after.peakResidentBytes) / 1e6, "MB"))
            return metrics
        }
    }

    /// Many partitions with a little data each: memory before the link, and once it has
    /// caught up and idled for `settle` seconds.
    private func memory(_ clusters: BenchClusters) async throws -> [BenchMetric] {
        let fill = try await clusters.load(
            "fill", loadArguments + ["--batches", "\(settings.partitions * settings.batchesPerPartition)"],
            timeout: .seconds(1800))
        let window = try await mirror(clusters, until: fill.endOffsets, timeout: .seconds(1800)) { engine in
            // Idle, caught up: what the link costs to keep watching every partition.
            let before = ProcessUsage.now()
            try await Task.sleep(for: .milliseconds(Int64(settings.settle * 1000)))
            let after = ProcessUsage.now()
            return (after, after.cpuSeconds - before.cpuSeconds)
        }
        // A diagnostic, after the figures above were read: how much of the steady resident
        // memory is free heap that glibc has not returned to the system yet.
        ProcessUsage.trimMallocHeap()
        let trimmed = ProcessUsage.now()
        try await verify(clusters, endOffsets: fill.endOffsets)
        let steady = window.settled!.usage
        let added = Double(steady.residentBytes - window.before.residentBytes)
        return [
            BenchMetric(
                "rss_before_mb", "resident memory before the link starts", Double(window.before.residentBytes) / 1e6,
                "MB"),
            BenchMetric(
                "rss_steady_mb", "resident memory, \(settings.partitions) partitions, steady",
                Double(steady.residentBytes) / 1e6,
                "MB", target: .init(bound: .below, limit: 300)),
            BenchMetric(
                "rss_trimmed_mb", "resident memory after malloc_trim(0)", Double(trimmed.residentBytes) / 1e6, "MB"),
            BenchMetric("rss_peak_mb", "peak resident memory (catch-up)", Double(steady.peakResidentBytes) / 1e6, "MB"),
            BenchMetric(
                "kb_per_partition", "resident memory per partition", added / 1e3 / Double(settings.partitions), "kB"),
            BenchMetric(
                "idle_cpu_cores", "daemon CPU, caught up and idle", window.settled!.cpuSeconds / settings.settle,
                "cores"),
            BenchMetric("seconds", "catch-up time", window.seconds, "s"),
            BenchMetric("mb_per_second", "catch-up rate", Double(fill.bytes) / 1e6 / window.seconds, "MB/s"),
        ]
    }

    // MARK: The link

    private struct Window {
        var before: ProcessUsage
        var after: ProcessUsage
        var seconds: Double
        var settled: (usage: ProcessUsage, cpuSeconds: Double)?
        var cpuSeconds: Double { after.cpuSeconds - before.cpuSeconds }
    }

    /// Starts the link and measures it until every partition reaches `endOffsets`; then
    /// runs `whileCaughtUp`, if given, with the link still running.
    private func mirror(
        _ clusters: BenchClusters, until endOffsets: [Int64], timeout: Duration,
        whileCaughtUp: (@Sendable (LinkEngine) async throws -> (ProcessUsage, Double))? = nil
    ) async throws -> Window {
        let before = ProcessUsage.now()
        let clock = ContinuousClock()
        let started = clock.now
        return try await withLink(clusters) { engine in
            try await waitUntilCaughtUp(engine, endOffsets: endOffsets, timeout: timeout)
            let after = ProcessUsage.now()
            var window = Window(before: before, after: after, seconds: seconds(started.duration(to: clock.now)))
            if let whileCaughtUp { window.settled = try await whileCaughtUp(engine) }
            return window
        }
    }

    /// Runs a link from the source to the destination around `body`, then stops it.
    private func withLink<Result: Sendable>(
        _ clusters: BenchClusters, _ body: @Sendable (LinkEngine) async throws -> Result
    ) async throws -> Result {
        let endpoint = { (bootstrap: String) in
            KafkaClientConfiguration(bootstrap: bootstrap)!.bootstrapServers.map {
                ClusterConfiguration.Endpoint(host: $0.host, port: $0.port)
            }
        }
        let link = LinkConfiguration(
            name: "bench",
            source: ClusterConfiguration(bootstrap: endpoint(clusters.sourceBootstrap), clientID: "causeway-bench"),
            destinations: [
                DestinationConfiguration(
                    name: "destination",
                    cluster: ClusterConfiguration(
                        bootstrap: endpoint(clusters.destinationBootstrap), clientID: "causeway-bench"))
            ],
            topics: TopicSelection(include: [.prefix("bench.")]))
        let engine = LinkEngine(configuration: link, logger: logger)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                await engine.run()
                return nil
            }
            let result: Result
            do {
                result = try await body(engine)
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
            try await group.waitForAll()
            return result
        }
    }

    private func waitUntilMirroring(_ engine: LinkEngine, timeout: Duration) async throws {
        try await poll(engine, timeout: timeout, what: "every partition to start mirroring") { lines in
            lines.count == settings.partitions && lines.allSatisfy { $0.state == "MIRRORING" }
        }
    }

    private func waitUntilCaughtUp(_ engine: LinkEngine, endOffsets: [Int64], timeout: Duration) async throws {
        try await poll(engine, timeout: timeout, what: "the destination to catch up") { lines in
            lines.count == endOffsets.count
                && lines.allSatisfy { $0.destinationLogEnd >= endOffsets[Int($0.partition)] }
        }
    }

    /// Reads the link's status every 50 ms (a sorted copy of one line per partition, a
    /// cost counted with the daemon's) until `done`; fails on a FAILED or DIVERGED partition.
    private func poll(
        _ engine: LinkEngine, timeout: Duration, what: String, done: ([PartitionStatus]) -> Bool
    ) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let lines = engine.status.filter { $0.topic == topic }
            if let stopped = lines.first(where: { $0.state == "FAILED" || $0.state == "DIVERGED" }) {
                throw BenchError("\(stopped.topic)-\(stopped.partition) \(stopped.state): \(stopped.reason ?? "")")
            }
            if done(lines) { return }
            if ContinuousClock.now >= deadline {
                let behind = lines.filter { $0.lagRecords > 0 || $0.state != "MIRRORING" }.prefix(5)
                throw BenchError(
                    "timed out after \(timeout) waiting for \(what)",
                    detail: behind.map {
                        "\($0.topic)-\($0.partition) \($0.state) end \($0.destinationLogEnd) of \($0.sourceHighWatermark)"
                    }
                    .joined(separator: "\n"))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// After the measurement: the destination really ends where the source does (read
    /// with ListOffsets, not from the link's own status).
    private func verify(_ clusters: BenchClusters, endOffsets: [Int64]) async throws {
        let client = KafkaClient(
            configuration: KafkaClientConfiguration(bootstrap: clusters.destinationBootstrap)!, logger: logger)
        let partitions = (0..<endOffsets.count).map { TopicPartitionID(topic, Int32($0)) }
        let ends: [TopicPartitionID: Result<OffsetAndTimestamp, KafkaClientError>]
        do {
            ends = try await client.listOffsets(
                Dictionary(uniqueKeysWithValues: partitions.map { ($0, OffsetQuery.latest) }))
            await client.shutdown()
        } catch {
            await client.shutdown()
            throw error
        }
        for partition in partitions {
            let end = try ends[partition]!.get().offset
            guard end == endOffsets[Int(partition.partition)] else {
                throw BenchError(
                    "\(partition) ends at \(end) on the destination, \(endOffsets[Int(partition.partition)]) on the source"
                )
            }
        }
    }
}
