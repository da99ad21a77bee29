import Foundation
import KafkaBroker
import KafkaClient
import Logging

/// A fresh temporary directory path (not created); the caller removes it.
public func temporaryPath(_ label: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("causeway-\(label)-\(UUID().uuidString)").path
}

/// Runs `body` against a fresh embedded cluster on loopback (ports picked by the
/// system) with its data in a temporary directory, then shuts it down.
public func withEmbeddedCluster<Result: Sendable>(
    nodes: Int = 1, configure: (inout BrokerConfiguration) -> Void = { _ in },
    _ body: @Sendable (EmbeddedCluster, KafkaClient) async throws -> Result
) async throws -> Result {
    let directory = temporaryPath("cluster")
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

/// Runs `body` with two independent embedded clusters, a source and a destination,
/// and a client for each.
public func withSourceAndDestination<Result: Sendable>(
    sourceNodes: Int = 1, destinationNodes: Int = 1,
    _ body: @Sendable (_ source: EmbeddedCluster, _ sourceClient: KafkaClient, _ destination: EmbeddedCluster, _ destinationClient: KafkaClient) async throws -> Result
) async throws -> Result {
    try await withEmbeddedCluster(nodes: sourceNodes) { source, sourceClient in
        try await withEmbeddedCluster(nodes: destinationNodes) { destination, destinationClient in
            try await body(source, sourceClient, destination, destinationClient)
        }
    }
}
