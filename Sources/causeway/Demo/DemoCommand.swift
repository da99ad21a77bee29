import ArgumentParser
import Foundation
import KafkaBroker
import Logging

/// `causeway demo`: the whole product on one machine, in about a minute.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a source and a destination cluster, mirror them live, verify every offset and byte, then fail over.",
        discussion: """
            Everything runs in this process on 127.0.0.1 (ports chosen by the system): a \
            2-node source cluster, a 1-node destination cluster, a producer writing plain, \
            idempotent and compressed batches (gzip, snappy, lz4, zstd), and a link between \
            them. Exits 0 only when the destination holds every record at its source offset \
            with its bytes.
            """
    )

    @Option(help: "Records the producer writes while the link runs.")
    var records: Int = 30_000

    @Option(help: "Seconds over which the producer spreads its records.")
    var seconds: Double = 5

    @Option(help: "Keep the clusters' data here instead of a temporary directory.")
    var dataDir: String?

    @Option(help: "Log level of the clusters and the link (they are quiet by default).")
    var logLevel: String = "error"

    func validate() throws {
        guard records >= 100 && records <= 10_000_000 else {
            throw ValidationError("--records must be 100 to 10000000, got \(records)")
        }
        guard seconds >= 0 && seconds <= 3600 else {
            throw ValidationError("--seconds must be 0 to 3600, got \(seconds)")
        }
    }

    func run() async throws {
        let logger = bootstrapLogging(level: logLevel, label: "causeway.demo")
        let directory = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("causeway-demo-\(getpid())").path
        let temporary = dataDir == nil
        defer { if temporary { try? FileManager.default.removeItem(atPath: directory) } }
        var sourceConfiguration = BrokerConfiguration(dataDirectory: directory + "/source", nodes: 2)
        sourceConfiguration.defaultPartitions = 1
        let destinationConfiguration = BrokerConfiguration(dataDirectory: directory + "/destination", nodes: 1)

        let source = try await EmbeddedCluster.bind(configuration: sourceConfiguration, logger: logger)
        let destination = try await EmbeddedCluster.bind(configuration: destinationConfiguration, logger: logger)
        let verified = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await source.run() }
            group.addTask { try await destination.run() }
            let scenario = DemoScenario(
                source: source, destination: destination, records: records, duration: .milliseconds(Int64(seconds * 1000)),
                storePath: directory + "/causeway-demo.db", logger: logger)
            let outcome: Bool
            do {
                outcome = try await scenario.run()
            } catch {
                source.stop()
                destination.stop()
                throw error
            }
            source.stop()
            destination.stop()
            try await group.waitForAll()
            return outcome
        }
        if !verified { throw ExitCode(1) }
    }
}
