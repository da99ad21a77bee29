import Foundation
import KafkaBroker
import KafkaClient
import Logging

/// Runs `body` against a fresh embedded cluster on loopback (ports picked by the
/// system) with its data in a temporary directory, then shuts it down.
func withEmbeddedCluster<Result: Sendable>(
    nodes: Int = 1, configure: (inout BrokerConfiguration) -> Void = { _ in },
    _ body: @Sendable (EmbeddedCluster, KafkaClient) async throws -> Result
) async throws -> Result {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("causeway-test-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var configuration = BrokerConfiguration(dataDirectory: directory, nodes: nodes)
    configure(&configuration)
    var logger = Logger(label: "test.broker")
    logger.logLevel = .warning
    let cluster = try await EmbeddedCluster.bind(configuration: configuration, logger: logger)
    let client = KafkaClient(configuration: KafkaClientConfiguration(bootstrap: cluster.bootstrapServers)!)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await cluster.run() }
        do {
            let result = try await body(cluster, client)
            await client.shutdown()
            group.cancelAll()
            return result
        } catch {
            await client.shutdown()
            group.cancelAll()
            throw error
        }
    }
}
