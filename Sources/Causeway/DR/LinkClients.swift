import KafkaClient
import Logging

/// Runs `body` with a client for the link's source and one per destination (by name),
/// and shuts them all down afterwards, whether `body` returns or throws.
///
/// - Parameter sourceTimeout: caps the source's connect and request timeouts (a lost
///   source must not hold a failover for the default 30 s).
func withLinkClients<Result: Sendable>(
    _ configuration: LinkConfiguration, sourceTimeout: Duration? = nil, logger: Logger,
    _ body: (_ source: KafkaClient, _ destinations: [String: KafkaClient]) async throws -> Result
) async throws -> Result {
    var sourceConfiguration = configuration.source.clientConfiguration
    if let sourceTimeout {
        sourceConfiguration.connectTimeout = min(sourceConfiguration.connectTimeout, sourceTimeout)
        sourceConfiguration.requestTimeout = min(sourceConfiguration.requestTimeout, sourceTimeout)
    }
    let source = KafkaClient(configuration: sourceConfiguration, logger: logger)
    let destinations = Dictionary(uniqueKeysWithValues: configuration.destinations.map {
        ($0.name, KafkaClient(configuration: $0.cluster.clientConfiguration, logger: logger))
    })
    func shutdown() async {
        await source.shutdown()
        for client in destinations.values { await client.shutdown() }
    }
    do {
        let result = try await body(source, destinations)
        await shutdown()
        return result
    } catch {
        await shutdown()
        throw error
    }
}
