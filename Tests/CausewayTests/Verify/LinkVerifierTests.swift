import Causeway
import Foundation
import KafkaClient
import KafkaProtocol
import TestSupport
import XCTest

final class LinkVerifierTests: XCTestCase {
    /// The partitions compared are the selected topics' on the source (or the topics
    /// named); a mirror partition the destination lacks is a difference, a short one lag.
    func testSelectsPartitionsAndJudgesEachMirror() async throws {
        try await withSourceAndDestination { sourceCluster, source, destinationCluster, destination in
            _ = try await source.createTopics([NewTopic(name: "m.a", partitions: 2), NewTopic(name: "other", partitions: 1)])
            _ = try await destination.createTopics([NewTopic(name: "m.a", partitions: 1)])
            let first = TopicPartitionID("m.a", 0)
            let bytes = try LinkEngineTests.batch(count: 4, from: 0, codec: .gzip)
            _ = try await source.produce([first: bytes], to: source.leader(of: first))
            _ = try await source.produce([first: try LinkEngineTests.batch(count: 2, from: 4, codec: .none)], to: source.leader(of: first))
            _ = try await destination.produce([first: bytes], to: destination.leader(of: first))

            let link = LinkEngineTests.link(from: sourceCluster, to: destinationCluster, prefix: "m.")
            let verifier = LinkVerifier(configuration: link)
            let partitions = try await verifier.partitions(on: source)
            XCTAssertEqual(partitions, [first, TopicPartitionID("m.a", 1)])

            let behind = try await verifier.verify(first, source: source, destination: ("dr", destination))
            XCTAssertEqual(behind.differenceCount, 0, "\(behind.differences)")
            XCTAssertEqual(behind.lag, 2)
            XCTAssertEqual(behind.comparedRecords, 4)
            XCTAssertEqual(behind.fidelity, "exact")

            let absent = try await verifier.verify(TopicPartitionID("m.a", 1), source: source, destination: ("dr", destination))
            XCTAssertEqual(absent.differenceCount, 1)
            XCTAssertEqual(absent.differences, ["partition m.a-1 does not exist on dr"])

            let named = try await LinkVerifier(configuration: link, topics: ["other"]).partitions(on: source)
            XCTAssertEqual(named, [TopicPartitionID("other", 0)])
            do {
                _ = try await LinkVerifier(configuration: link, topics: ["nope"]).partitions(on: source)
                XCTFail("a topic the source lacks must be an error")
            } catch let error as KafkaClientError {
                XCTAssertEqual(error.topic, "nope")
            }
        }
    }
}
