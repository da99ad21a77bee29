import Causeway
import Foundation
import KafkaBroker
import KafkaClient
import KafkaProtocol
import Logging
import NIOCore
import TestSupport
import XCTest

/// The link rides out a source leader moving and a destination that is gone for 30
/// seconds, and the comparison still holds afterwards.
final class LinkResilienceTests: XCTestCase {
    func testLeaderMovesAndA30SecondDestinationOutage() async throws {
        let sourceDirectory = temporaryPath("source")
        let destinationDirectory = temporaryPath("destination")
        defer {
            try? FileManager.default.removeItem(atPath: sourceDirectory)
            try? FileManager.default.removeItem(atPath: destinationDirectory)
        }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let source = try await EmbeddedCluster.bind(configuration: BrokerConfiguration(dataDirectory: sourceDirectory, nodes: 3), logger: logger)
        var destinationConfiguration = BrokerConfiguration(dataDirectory: destinationDirectory)
        let firstDestination = try await EmbeddedCluster.bind(configuration: destinationConfiguration, logger: logger)
        // The destination comes back on the same port after the outage.
        destinationConfiguration.ports = firstDestination.nodes.map(\.port)

        let sourceClient = KafkaClient(configuration: KafkaClientConfiguration(bootstrap: source.bootstrapServers)!)
        let destinationClient = KafkaClient(configuration: KafkaClientConfiguration(bootstrap: firstDestination.bootstrapServers)!)
        let link = LinkEngineTests.link(from: source, to: firstDestination, prefix: "r.")
        let engine = LinkEngine(configuration: link, logger: logger)
        let partitions = (0..<6).map { TopicPartitionID("r.events", Int32($0)) }

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await source.run() }
            group.addTask { try await firstDestination.run() }
            _ = try await sourceClient.createTopics([NewTopic(name: "r.events", partitions: 6)])
            group.addTask { await engine.run() }

            var written = 0
            func writeRound(_ round: Int) async throws {
                for (index, partition) in partitions.enumerated() {
                    let bytes = try LinkEngineTests.batch(count: 10, from: round * 10, codec: CompressionCodec.allCases[(round + index) % 5])
                    try await sourceClient.retrying {
                        let result = try await sourceClient.produce([partition: bytes], to: sourceClient.leader(of: partition))
                        if let error = result[partition]?.error, error != .none {
                            throw KafkaClientError(.broker(error), topic: partition.topic, partition: partition.partition)
                        }
                    }
                    written += 10
                }
            }
            for round in 0..<5 { try await writeRound(round) }
            try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 6, offsets: Int64(written))

            // Leadership of every partition moves to another source node.
            for partition in partitions {
                let current = try await sourceClient.leader(of: partition)
                let next = Int32((Int(current) % 3) + 1)
                try source.moveLeader(topic: partition.topic, partition: partition.partition, to: next)
            }
            sourceClient.invalidateMetadata()
            for round in 5..<10 { try await writeRound(round) }
            try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 6, offsets: Int64(written))

            // The destination disappears for 30 seconds while the source keeps taking writes.
            firstDestination.stop()
            let outageEnds = ContinuousClock.now.advanced(by: .seconds(30))
            var round = 10
            while ContinuousClock.now < outageEnds {
                try await writeRound(round)
                round += 1
                try await Task.sleep(for: .seconds(1))
            }
            let secondDestination = try await EmbeddedCluster.bind(configuration: destinationConfiguration, logger: logger)
            group.addTask { try await secondDestination.run() }
            try await LinkEngineTests.waitUntilCaughtUp(engine, partitions: 6, offsets: Int64(written), deadline: .seconds(90))

            let verifier = PartitionVerifier(source: sourceClient, destination: destinationClient)
            for partition in partitions {
                let comparison = try await verifier.compare(partition)
                XCTAssertTrue(comparison.isIdentical, "\(partition): \(comparison.differences)")
                XCTAssertEqual(comparison.fidelity, "exact", "\(partition)")
                XCTAssertEqual(comparison.sourceHighWatermark, Int64(round * 10), "\(partition)")
            }
            XCTAssertTrue(engine.status.allSatisfy { $0.state == "MIRRORING" })
            await sourceClient.shutdown()
            await destinationClient.shutdown()
            source.stop()
            secondDestination.stop()
            group.cancelAll()
        }
    }
}
