import KafkaBroker
import KafkaProtocol
import TestSupport
import XCTest

@testable import KafkaClient

final class ClientGroupAdminTests: XCTestCase {
    /// Admin commits (generation -1, no member) round-trip with their metadata through
    /// the coordinator, whichever of three nodes it is, and show up in ListGroups and
    /// DescribeGroups; a group nobody knows is Dead with no members.
    func testCommitsFetchesListsAndDescribesGroupsAtTheirCoordinator() async throws {
        try await withEmbeddedCluster(nodes: 3) { _, client in
            _ = try await client.createTopics([NewTopic(name: "t", partitions: 3)])
            let groups = (0..<6).map { "group-\($0)" }
            for (index, group) in groups.enumerated() {
                let offsets: [TopicPartitionID: GroupOffset] = [
                    TopicPartitionID("t", 0): GroupOffset(offset: Int64(index), metadata: "meta-\(index)"),
                    TopicPartitionID("t", 2): GroupOffset(offset: 100, leaderEpoch: 0, metadata: nil),
                ]
                let errors = try await client.commitGroupOffsets(group, offsets)
                XCTAssertEqual(errors.count, 2)
                XCTAssertTrue(errors.values.allSatisfy { $0 == nil }, "\(errors)")
            }
            let coordinators = try await Set(groups.asyncMap { try await client.coordinator(ofGroup: $0) })
            XCTAssertGreaterThan(coordinators.count, 1, "the groups should be spread over the nodes")

            let fetched = try await client.fetchGroupOffsets("group-4")
            XCTAssertEqual(fetched[TopicPartitionID("t", 0)], GroupOffset(offset: 4, leaderEpoch: -1, metadata: "meta-4"))
            XCTAssertEqual(fetched[TopicPartitionID("t", 2)]?.offset, 100)
            XCTAssertNil(fetched[TopicPartitionID("t", 1)], "a partition without a commit is left out")

            // Many groups at once: one OffsetFetch per coordinator (KIP-709), one result each.
            let all = try await client.fetchGroupOffsets(groups + ["nobody"])
            XCTAssertEqual(all.count, 7)
            for (index, group) in groups.enumerated() {
                XCTAssertEqual(try all[group]?.get()[TopicPartitionID("t", 0)]?.metadata, "meta-\(index)")
            }
            XCTAssertEqual(try all["nobody"]?.get(), [:])
            let described = try await client.describeGroups(groups)
            XCTAssertEqual(Set(try described.values.map { try $0.get().state }), ["Empty"])

            let listed = try await client.listGroups()
            XCTAssertEqual(listed.map(\.groupID), groups)

            let some = try await client.describeGroups(["group-1", "nobody"])
            let group = try XCTUnwrap(some["group-1"]?.get())
            XCTAssertEqual(group.state, "Empty")
            XCTAssertFalse(group.hasActiveMembers)
            let unknown = try XCTUnwrap(some["nobody"]?.get())
            XCTAssertEqual(unknown.state, "Dead")
            XCTAssertFalse(unknown.hasActiveMembers)
            let none = try await client.fetchGroupOffsets("nobody")
            XCTAssertTrue(none.isEmpty)

            let refused = try await client.commitGroupOffsets("group-1", [TopicPartitionID("missing", 0): GroupOffset(offset: 1)])
            XCTAssertEqual(refused[TopicPartitionID("missing", 0)]??.kind, .broker(.unknownTopicOrPartition))
        }
    }
}

extension Sequence {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
