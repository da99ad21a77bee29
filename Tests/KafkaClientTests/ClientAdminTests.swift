import KafkaBroker
import KafkaProtocol
import TestSupport
import XCTest

@testable import KafkaClient

final class ClientAdminTests: XCTestCase {
    func testNegotiatesVersionsAndReadsMetadata() async throws {
        try await withEmbeddedCluster(nodes: 3) { cluster, client in
            let connection = try await client.anyConnection()
            XCTAssertEqual(try connection.version(for: .metadata), KafkaAPIKey.metadata.validVersions.upperBound)
            let snapshot = try await client.refreshMetadata()
            XCTAssertEqual(snapshot.brokers.count, 3)
            XCTAssertEqual(Set(snapshot.brokers.values.map(\.port)), Set(cluster.nodes.map(\.port)))
            XCTAssertNotNil(snapshot.clusterID)
        }
    }

    func testCreatesDescribesAltersGrowsAndDeletesTopics() async throws {
        try await withEmbeddedCluster(nodes: 2) { _, client in
            let created = try await client.createTopics([
                NewTopic(name: "orders", partitions: 4, configs: ["retention.ms": "-1", "cleanup.policy": "compact"])
            ])
            XCTAssertEqual(created.count, 1)
            XCTAssertNil(created["orders"]!)

            let again = try await client.createTopics([NewTopic(name: "orders", partitions: 4)])
            XCTAssertEqual(again["orders"]??.kind, .broker(.topicAlreadyExists))

            let snapshot = try await client.refreshMetadata(topics: ["orders"])
            let partitions = try XCTUnwrap(snapshot.topics["orders"]?.partitions)
            XCTAssertEqual(partitions.map(\.index), [0, 1, 2, 3])
            // Leadership is spread over both nodes.
            XCTAssertEqual(Set(partitions.map(\.leader)).count, 2)

            var configs = try await client.describeTopicConfigs("orders")
            XCTAssertEqual(configs["retention.ms"]?.value, "-1")
            XCTAssertEqual(configs["retention.ms"]?.isSet, true)
            XCTAssertEqual(configs["compression.type"]?.value, "producer")
            XCTAssertEqual(configs["compression.type"]?.isSet, false)

            try await client.alterTopicConfigs("orders", ["compression.type": "zstd", "retention.ms": nil])
            configs = try await client.describeTopicConfigs("orders")
            XCTAssertEqual(configs["compression.type"]?.value, "zstd")
            XCTAssertEqual(configs["retention.ms"]?.value, "604800000")

            do {
                try await client.alterTopicConfigs("orders", ["cleanup.policy": "sometimes"])
                XCTFail("an invalid value was accepted")
            } catch let error as KafkaClientError {
                XCTAssertEqual(error.kind, .broker(.invalidConfig))
                XCTAssertTrue(error.message?.contains("cleanup.policy") ?? false, "\(error)")
            }

            let grown = try await client.createPartitions(["orders": 6])
            XCTAssertNil(grown["orders"]!)
            let shrunk = try await client.createPartitions(["orders": 2])
            XCTAssertEqual(shrunk["orders"]??.kind, .broker(.invalidPartitions))
            let afterGrowth = try await client.refreshMetadata(topics: ["orders"])
            XCTAssertEqual(afterGrowth.topics["orders"]?.partitions.count, 6)

            let deleted = try await client.deleteTopics(["orders"])
            XCTAssertNil(deleted["orders"]!)
            let gone = try await client.refreshMetadata(topics: ["orders"])
            XCTAssertEqual(gone.topics["orders"]?.error, .unknownTopicOrPartition)
        }
    }

    func testRejectsBadTopicRequests() async throws {
        try await withEmbeddedCluster { _, client in
            let results = try await client.createTopics([
                NewTopic(name: "bad name!", partitions: 1),
                NewTopic(name: "zero", partitions: 0),
                NewTopic(name: "too-replicated", partitions: 1, replicationFactor: 3),
                NewTopic(name: "bad-config", partitions: 1, configs: ["no.such.config": "1"]),
            ])
            XCTAssertEqual(results["bad name!"]??.kind, .broker(.invalidTopicException))
            XCTAssertEqual(results["zero"]??.kind, .broker(.invalidPartitions))
            XCTAssertEqual(results["too-replicated"]??.kind, .broker(.invalidReplicationFactor))
            XCTAssertEqual(results["bad-config"]??.kind, .broker(.invalidConfig))
        }
    }

    func testTopicsSurviveARestart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("causeway-restart-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for round in 0..<2 {
            let cluster = try await EmbeddedCluster.bind(configuration: BrokerConfiguration(dataDirectory: directory))
            let client = KafkaClient(configuration: KafkaClientConfiguration(bootstrap: cluster.bootstrapServers)!)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await cluster.run() }
                if round == 0 {
                    _ = try await client.createTopics([NewTopic(name: "kept", partitions: 3, configs: ["retention.ms": "1234"])])
                } else {
                    let snapshot = try await client.refreshMetadata(topics: ["kept"])
                    XCTAssertEqual(snapshot.topics["kept"]?.partitions.count, 3)
                    let configs = try await client.describeTopicConfigs("kept")
                    XCTAssertEqual(configs["retention.ms"]?.value, "1234")
                }
                await client.shutdown()
                group.cancelAll()
            }
        }
    }
}
