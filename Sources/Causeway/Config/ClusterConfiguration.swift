import KafkaClient
import KafkaSecurity

/// How to reach one Kafka cluster, the source or a destination.
///
/// In YAML (under `source:` or as an entry of `destinations:`):
/// ```yaml
/// bootstrap: kafka-1:9092,kafka-2:9092   # or a list: [kafka-1:9092, kafka-2:9092]
/// clientId: causeway-orders               # default causeway-<link name>
/// requestTimeout: 30s
/// security: PLAINTEXT                    # or a mapping: see SecurityProtocol+YAML.swift
/// ```
public struct ClusterConfiguration: Hashable, Sendable {
    public typealias Endpoint = KafkaClientConfiguration.Endpoint

    /// `bootstrap.servers`: brokers to ask for the cluster's metadata first. At least one.
    public var bootstrap: [Endpoint]
    /// `client.id`, sent in every request header so broker logs and quotas can tell Causeway
    /// apart. Default `causeway-<link name>`.
    public var clientID: String
    /// `request.timeout.ms`: how long to wait for any one response. Default 30 s (Kafka's), at least 100 ms.
    public var requestTimeout: Duration
    /// `security.protocol` with its TLS and SASL settings. Default `PLAINTEXT`, Kafka's default.
    /// Its description names the protocol only; secrets print as "<redacted>".
    public var security: SecurityProtocol

    public static let defaultRequestTimeout: Duration = .seconds(30)
    public static let minimumRequestTimeout: Duration = .milliseconds(100)

    public init(
        bootstrap: [Endpoint], clientID: String,
        requestTimeout: Duration = ClusterConfiguration.defaultRequestTimeout,
        security: SecurityProtocol = .plaintext
    ) {
        self.bootstrap = bootstrap
        self.clientID = clientID
        self.requestTimeout = requestTimeout
        self.security = security
    }

    /// The client settings for this cluster; everything not configured here keeps
    /// `KafkaClientConfiguration`'s defaults (Kafka's Java client's).
    public var clientConfiguration: KafkaClientConfiguration {
        var configuration = KafkaClientConfiguration(bootstrapServers: bootstrap)
        configuration.clientID = clientID
        configuration.requestTimeout = requestTimeout
        configuration.security = security
        return configuration
    }

    /// The default client id of a link's clients.
    public static func defaultClientID(link: String) -> String { "causeway-\(link)" }
}

extension ClusterConfiguration {
    static let bootstrapExpected =
        "host:port with a port from 1 to 65535, several separated by commas or given as a list"
}
