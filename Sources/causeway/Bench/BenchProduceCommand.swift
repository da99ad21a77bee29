import ArgumentParser
import Foundation
import KafkaClient
import KafkaProtocol
import Logging

/// `causeway bench produce`: the load generator `causeway bench link` starts as a child
/// process. Hidden: its options are whatever `bench link` passes.
struct BenchProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Load generator for `causeway bench link` (run as its child process).",
        shouldDisplay: false
    )

    @Option(help: "Source bootstrap servers.")
    var source: String

    @Option(help: "Destination bootstrap servers: read there and time each batch (with --rate).")
    var destination: String?

    @Option(help: "Topic to create (if absent) and write.")
    var topic: String

    @Option(help: "Partitions of the topic.")
    var partitions: Int

    @Option(help: "Codecs, comma-separated, taking turns batch by batch.")
    var codecs: String = "none"

    @Option(help: "Records per batch.")
    var batchRecords: Int = 32

    @Option(help: "Bytes per record value.")
    var recordBytes: Int = 1024

    @Option(help: "Fill: stop after this many batch bytes (or --batches, whichever comes first).")
    var bytes: Int = .max

    @Option(help: "Fill: stop after this many batches (0: only create the topic).")
    var batches: Int = .max

    @Option(help: "Paced: MB/s (10^6 bytes) of record batches.")
    var rate: Double?

    @Option(help: "Paced: seconds measured, after the warm-up.")
    var seconds: Double = 30

    @Option(help: "Paced: seconds of warm-up, not measured.")
    var warmUp: Double = 5

    @Option(help: "Produce requests in flight.")
    var inFlight: Int = 16

    @Option(help: "Write the result (JSON) here.")
    var result: String

    func validate() throws {
        guard rate != nil || bytes != .max || batches != .max else {
            throw ValidationError("give --rate (with --destination), --bytes or --batches")
        }
    }

    func run() async throws {
        let logger = bootstrapLogging(level: "error", label: "causeway.bench.produce")
        let codecList = try Self.parseCodecs(codecs)
        let sourceClient = KafkaClient(configuration: KafkaClientConfiguration(bootstrap: source)!, logger: logger)
        let destinationClient = destination.map {
            KafkaClient(configuration: KafkaClientConfiguration(bootstrap: $0)!, logger: logger)
        }
        let load = LoadGenerator(
            source: sourceClient, topic: topic, partitions: partitions,
            batches: try BenchBatches(
                codecs: codecList, recordsPerBatch: batchRecords, recordBytes: recordBytes,
                timestamp: Int64(Date().timeIntervalSince1970 * 1000)),
            maxInFlight: inFlight)
        let outcome: Result<LoadResult, Error>
        do {
            try await load.createTopic()
            if let rate, let destinationClient {
                outcome = .success(
                    try await load.paced(
                        bytesPerSecond: rate * 1e6, warmUp: .milliseconds(Int64(warmUp * 1000)),
                        duration: .milliseconds(Int64(seconds * 1000)), destination: destinationClient))
            } else {
                outcome = .success(try await load.fill(bytes: bytes, batchLimit: batches))
            }
        } catch {
            outcome = .failure(error)
        }
        await sourceClient.shutdown()
        await destinationClient?.shutdown()
        let value = try outcome.get()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(value).write(to: URL(fileURLWithPath: result))
    }

    static func parseCodecs(_ list: String) throws -> [CompressionCodec] {
        let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let codecs = try names.map { name in
            guard let codec = CompressionCodec.allCases.first(where: { $0.name == name }) else {
                throw ValidationError(
                    "unknown codec '\(name)'; accepted: \(CompressionCodec.allCases.map(\.name).joined(separator: ", "))"
                )
            }
            return codec
        }
        guard !codecs.isEmpty else { throw ValidationError("--codecs names no codec") }
        return codecs
    }
}
