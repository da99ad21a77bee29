import KafkaSecurity

/// How a client reaches a cluster. Defaults follow Kafka's Java client.
public struct KafkaClientConfiguration: Sendable {
    public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        public var description: String { "\(host):\(port)" }
    }

    /// `bootstrap.servers`: where to ask for the cluster's metadata first.
    public var bootstrapServers: [Endpoint]
    /// `client.id`, sent in every request header.
    public var clientID: String = "causeway"
    /// `request.timeout.ms`.
    public var requestTimeout: Duration = .seconds(30)
    /// `socket.connection.setup.timeout.ms`.
    public var connectTimeout: Duration = .seconds(10)
    /// `retry.backoff.ms` and `retry.backoff.max.ms`: exponential backoff with jitter (KIP-580).
    public var retryBackoff: Duration = .milliseconds(100)
    public var retryBackoffMax: Duration = .seconds(1)
    /// `metadata.max.age.ms`: metadata older than this is refreshed before use.
    public var metadataMaxAge: Duration = .seconds(300)
    /// The largest response frame accepted (Kafka's client has no limit; a bound keeps a
    /// confused peer from making us allocate without end).
    public var maximumResponseSize: Int = 256 * 1024 * 1024
    /// `security.protocol` with its TLS and SASL settings. Default PLAINTEXT.
    public var security: SecurityProtocol = .plaintext

    public init(bootstrapServers: [Endpoint]) {
        self.bootstrapServers = bootstrapServers
    }

    /// Parses `host:port,host:port`. Returns nil if any entry is malformed.
    public init?(bootstrap: String) {
        var endpoints: [Endpoint] = []
        for entry in bootstrap.split(separator: ",") {
            let text = entry.trimmingSpaces()
            guard let colon = text.lastIndex(of: ":"), colon > text.startIndex,
                let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
            else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            endpoints.append(Endpoint(host: host, port: port))
        }
        guard !endpoints.isEmpty else { return nil }
        self.init(bootstrapServers: endpoints)
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
