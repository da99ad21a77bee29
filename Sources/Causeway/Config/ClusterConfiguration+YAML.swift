import KafkaClient
import KafkaSecurity
import Yams

extension ClusterConfiguration {
    /// The keys of a cluster, under `source:` and in each destination.
    static let keys = ["bootstrap", "clientId", "requestTimeout", "security"]

    /// Reads the cluster keys of an opened mapping; keeps defaults where a value is bad.
    static func read(_ mapping: ConfigurationReader.Mapping, link: String, reader: inout ConfigurationReader) -> Self {
        var cluster = ClusterConfiguration(bootstrap: [], clientID: defaultClientID(link: link))
        if let node = reader.required("bootstrap", in: mapping, expected: bootstrapExpected) {
            cluster.bootstrap = readBootstrap(node, at: mapping.path("bootstrap"), reader: &reader) ?? []
        }
        if let node = mapping["clientId"],
            let clientID = reader.text(node, at: mapping.path("clientId"), expected: "a client id")
        {
            cluster.clientID = clientID
        }
        if let node = mapping["requestTimeout"],
            let timeout = reader.duration(node, at: mapping.path("requestTimeout"))
        {
            cluster.requestTimeout = timeout
        }
        if let node = mapping["security"],
            let security = SecurityProtocol.read(
                node, at: mapping.path("security"), reader: &reader, environment: reader.environment)
        {
            cluster.security = security
        }
        return cluster
    }

    /// `host:port,host:port` or a list of `host:port`.
    private static func readBootstrap(_ node: Node, at path: String, reader: inout ConfigurationReader) -> [Endpoint]? {
        if case .sequence = node {
            guard let entries = reader.texts(node, at: path, expected: "host:port") else { return nil }
            var endpoints: [Endpoint] = []
            var failed = false
            for (index, entry) in entries.enumerated() {
                if let parsed = KafkaClientConfiguration(bootstrap: entry)?.bootstrapServers, parsed.count == 1 {
                    endpoints += parsed
                } else {
                    failed = true
                    let entryPath = ConfigurationReader.path(path, index: index)
                    reader.report(
                        .invalidValue, at: entryPath, node: nil, value: entry,
                        expected: "host:port with a port from 1 to 65535",
                        message: "'\(entry)' is not a bootstrap server; expected host:port with a port from 1 to 65535")
                }
            }
            return failed ? nil : endpoints
        }
        guard let text = reader.text(node, at: path, expected: bootstrapExpected) else { return nil }
        guard let configuration = KafkaClientConfiguration(bootstrap: text) else {
            reader.report(
                .invalidValue, at: path, node: node, value: text, expected: bootstrapExpected,
                message: "'\(text)' is not a bootstrap server list; expected \(bootstrapExpected)")
            return nil
        }
        return configuration.bootstrapServers
    }
}
