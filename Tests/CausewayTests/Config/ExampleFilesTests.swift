import Causeway
import Foundation
import Testing

@Suite("deploy/examples parse")
struct ExampleFilesTests {
    @Test("link.yaml shows every optional key at its default")
    func linkExampleIsTheDefaults() throws {
        let link = try LinkConfiguration.load(path: examplePath("link.yaml"))
        #expect(link.name == "orders")
        #expect(
            link.source.bootstrap.map(\.description) == [
                "onprem-kafka-1:9092", "onprem-kafka-2:9092", "onprem-kafka-3:9092",
            ])
        #expect(link.destinations.map(\.name) == ["cloud"])
        #expect(
            link.destinations[0].cluster.bootstrap.map(\.description) == ["cloud-kafka-1:9092", "cloud-kafka-2:9092"])
        #expect(
            link.topics.include == [
                .name("orders"), .prefix("orders."), .regex(try NamePattern("payments-(eu|us)-[0-9]+")),
            ])

        // Everything optional equals what a file without those keys gets.
        let defaults = LinkConfiguration(
            name: "orders", source: link.source, destinations: link.destinations, topics: link.topics)
        #expect(link == defaults)
        for cluster in [link.source] + link.destinations.map(\.cluster) {
            #expect(cluster.clientID == ClusterConfiguration.defaultClientID(link: "orders"))
            #expect(cluster.requestTimeout == ClusterConfiguration.defaultRequestTimeout)
            #expect(cluster.security == .plaintext)
        }
        #expect(link.topics.exclude.isEmpty)
        #expect(link.topics.discoveryInterval == TopicSelection.defaultDiscoveryInterval)
    }

    @Test("dr-standby.yaml")
    func drStandbyExample() throws {
        let link = try LinkConfiguration.load(path: examplePath("dr-standby.yaml"))
        #expect(link.destinations.map(\.name) == ["standby"])
        #expect(link.destinations[0].cluster.requestTimeout == .seconds(60))
        #expect(link.store.path == "/var/lib/causeway/primary-to-standby.db")
        #expect(link.configSync.syncs("min.insync.replicas"))
        #expect(link.topics.matches("orders"))
        #expect(!link.topics.matches("orders-tmp"))
        #expect(!link.topics.matches("_confluent-metrics"))
        #expect(!link.topics.matches("__consumer_offsets"))
        #expect(link.groups.matches("billing"))
        #expect(!link.groups.matches("console-consumer-4711"))
    }

    @Test("fan-out.yaml has two destinations")
    func fanOutExample() throws {
        let link = try LinkConfiguration.load(path: examplePath("fan-out.yaml"))
        #expect(link.destinations.map(\.name) == ["analytics", "archive-eu"])
        #expect(link.destinations[0].cluster.clientID == "causeway-events-fan-out")
        #expect(link.destinations[1].cluster.clientID == "causeway-events-archive")
        #expect(link.destinations[1].cluster.requestTimeout == .seconds(45))
        #expect(link.startPosition == .timestamp(millisecondsSinceEpoch: 1_767_225_600_000))
        #expect(link.configSync.syncedConfigs == ConfigSyncPolicy.defaultInclude.filter { !$0.hasPrefix("retention.") })
        #expect(link.fetch.maxWait == .milliseconds(250))
        #expect(link.produce.bufferBytes == 128 << 20)
        #expect(link.topics.matches("events.clicks"))
        #expect(!link.topics.matches("events.debug.clicks"))
        #expect(link.topics.matches("audit-log"))
    }

    @Test("sasl-ssl.yaml: SASL_SSL with SCRAM-SHA-512 on both sides, secrets from the environment")
    func saslSSLExample() throws {
        let text = try String(contentsOfFile: examplePath("sasl-ssl.yaml"), encoding: .utf8)
        let link = try LinkConfiguration(
            yaml: text, environment: ["CAUSEWAY_SOURCE_PASSWORD": "source-secret", "CAUSEWAY_CLOUD_PASSWORD": "cloud-secret"])
        guard case .saslSSL(let sourceTLS, let sourceSasl) = link.source.security,
            case .saslSSL(let cloudTLS, let cloudSasl) = link.destinations[0].cluster.security
        else {
            Issue.record("both clusters should be SASL_SSL")
            return
        }
        #expect(sourceTLS.caFile == "/etc/causeway/onprem-ca.pem")
        #expect(cloudTLS.caFile == nil && cloudTLS.verifyHostname)
        #expect(sourceSasl.mechanism == .scramSHA512 && cloudSasl.mechanism == .scramSHA512)
        #expect(sourceSasl.password.revealed == "source-secret")
        #expect(cloudSasl.username == "causeway-writer")
        #expect(throws: ConfigurationErrors.self) { try LinkConfiguration(yaml: text, environment: [:]) }
    }
}
