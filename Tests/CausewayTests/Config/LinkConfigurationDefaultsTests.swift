import Causeway
import Foundation
import KafkaClient
import Testing

@Suite("Link configuration defaults and value forms")
struct LinkConfigurationDefaultsTests {
    @Test("a file with only the required keys gets every documented default")
    func defaults() throws {
        let link = try LinkConfiguration(yaml: minimalLink)
        #expect(link.source.clientID == "causeway-orders")
        #expect(link.source.requestTimeout == .seconds(30))
        #expect(link.source.security == .plaintext)
        #expect(link.destinations[0].cluster.clientID == "causeway-orders")
        #expect(link.startPosition == .earliest)
        #expect(link.topics.exclude.isEmpty)
        #expect(link.topics.discoveryInterval == .seconds(5))
        #expect(link.configSync.include == ConfigSyncPolicy.defaultInclude)
        #expect(link.configSync.exclude.isEmpty)
        #expect(link.configSync.interval == .seconds(30))
        #expect(link.groups.include.isEmpty)
        #expect(link.groups.syncInterval == .seconds(5))
        #expect(!link.groups.matches("anything"))
        #expect(link.store.path == "./causeway-orders.db")
        #expect(link.fetch.maxBytes == 52_428_800)
        #expect(link.fetch.partitionMaxBytes == 1_048_576)
        #expect(link.fetch.maxWait == .milliseconds(500))
        #expect(link.fetch.minBytes == 1)
        #expect(link.produce.maxInFlightPerPartition == 1)
        #expect(link.produce.bufferBytes == 128 * 1_048_576)
    }

    @Test("the default config list never includes a config the mirror forces")
    func defaultConfigSyncAvoidsForcedConfigs() {
        let policy = ConfigSyncPolicy()
        #expect(policy.syncedConfigs == ConfigSyncPolicy.defaultInclude)
        for forced in ConfigSyncPolicy.forcedConfigs {
            #expect(!policy.syncs(forced))
            #expect(!ConfigSyncPolicy(include: [forced]).syncs(forced))
        }
        #expect(ConfigSyncPolicy(exclude: ["retention.ms"]).syncs("retention.ms") == false)
        #expect(ConfigSyncPolicy(exclude: ["retention.ms"]).syncs("retention.bytes"))
    }

    @Test("a cluster converts to the client's configuration")
    func clientConfiguration() throws {
        let link = try LinkConfiguration(
            yaml: minimalLink.replacingOccurrences(
                of: "  bootstrap: src-1:9092",
                with: "  bootstrap: src-1:9092, [::1]:9093\n  clientId: mirror-a\n  requestTimeout: 1m30s"))
        let client = link.source.clientConfiguration
        #expect(client.bootstrapServers == [.init(host: "src-1", port: 9092), .init(host: "::1", port: 9093)])
        #expect(client.clientID == "mirror-a")
        #expect(client.requestTimeout == .seconds(90))
        // Settings the link file does not have keep the client's defaults.
        #expect(client.connectTimeout == KafkaClientConfiguration(bootstrapServers: []).connectTimeout)
    }

    @Test("bootstrap as a comma-separated string or as a list")
    func bootstrapForms() throws {
        let asString = try LinkConfiguration(yaml: minimalLink.replacingOccurrences(of: "src-1:9092", with: "a:1,b:2"))
        let asList = try LinkConfiguration(yaml: minimalLink.replacingOccurrences(of: "src-1:9092", with: "[a:1, b:2]"))
        #expect(asString.source.bootstrap == asList.source.bootstrap)
        #expect(asList.source.bootstrap.map(\.description) == ["a:1", "b:2"])
    }

    @Test(
        "durations: units, compounds and integer milliseconds",
        arguments: [
            ("250ms", Duration.milliseconds(250)), ("5s", .seconds(5)), ("2m", .seconds(120)), ("1h", .seconds(3600)),
            ("1m30s", .seconds(90)), ("1500", .milliseconds(1500)), ("'100'", .milliseconds(100)),
        ])
    func durationForms(text: String, expected: Duration) throws {
        let link = try LinkConfiguration(yaml: minimalLink + "\n  discoveryInterval: \(text)")
        #expect(link.topics.discoveryInterval == expected)
    }

    @Test("sizes: bytes or binary units")
    func sizeForms() throws {
        let link = try LinkConfiguration(
            yaml: minimalLink
                + "\nfetch:\n  maxBytes: 32MiB\n  partitionMaxBytes: 262144\n  minBytes: 1 KiB\nproduce:\n  bufferBytes: 1GiB"
        )
        #expect(link.fetch.maxBytes == 32 << 20)
        #expect(link.fetch.partitionMaxBytes == 262_144)
        #expect(link.fetch.minBytes == 1024)
        #expect(link.produce.bufferBytes == 1 << 30)
    }

    @Test("start positions")
    func startPositions() throws {
        #expect(try LinkConfiguration(yaml: minimalLink + "\nstartPosition: latest").startPosition == .latest)
        #expect(try LinkConfiguration(yaml: minimalLink + "\nstartPosition: EARLIEST").startPosition == .earliest)
        #expect(
            try LinkConfiguration(yaml: minimalLink + "\nstartPosition: {timestamp: 1714521600000}").startPosition
                == .timestamp(millisecondsSinceEpoch: 1_714_521_600_000))
        #expect(
            try LinkConfiguration(yaml: minimalLink + "\nstartPosition:\n  timestamp: 2024-02-29T12:00:00.250+02:00")
                .startPosition
                == .timestamp(millisecondsSinceEpoch: 1_709_200_800_250))
    }

    @Test("a configuration built in code validates with the same rules")
    func validateInCode() throws {
        var link = LinkConfiguration(
            name: "orders",
            source: ClusterConfiguration(bootstrap: [.init(host: "a", port: 9092)], clientID: "c"),
            destinations: [
                DestinationConfiguration(
                    name: "d", cluster: .init(bootstrap: [.init(host: "b", port: 9092)], clientID: "c"))
            ],
            topics: TopicSelection(include: [.prefix("orders.")]))
        try link.validate()
        #expect(link.store.path == "./causeway-orders.db")

        link.destinations.append(link.destinations[0])
        link.produce.maxInFlightPerPartition = 0
        #expect(throws: ConfigurationErrors.self) { try link.validate() }
        #expect(
            link.validationErrors().map(\.keyPath) == [
                "destinations[1].name", "destinations[1].bootstrap", "produce.maxInFlightPerPartition",
            ])
    }
}
