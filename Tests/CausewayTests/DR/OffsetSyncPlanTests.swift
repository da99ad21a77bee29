import Causeway
import KafkaClient
import XCTest

/// The rules of `OffsetSyncPlan`, event in, commits out.
final class OffsetSyncPlanTests: XCTestCase {
    private let p0 = TopicPartitionID("m.orders", 0)
    private let p1 = TopicPartitionID("m.orders", 1)
    private let p2 = TopicPartitionID("m.orders", 2)

    private func plan(
        source: [TopicPartitionID: GroupOffset], destination: [TopicPartitionID: GroupOffset] = [:],
        logEnds: [TopicPartitionID: Int64]
    ) -> OffsetSyncPlan {
        OffsetSyncPlan(source: source, destination: destination, destinationLogEnds: logEnds) { $0.hasPrefix("m.") }
    }

    func testCopiesExactlyWithMetadataAndWithoutTheSourceLeaderEpoch() {
        let result = plan(source: [p0: GroupOffset(offset: 7, leaderEpoch: 3, metadata: "consumer-1")], logEnds: [p0: 10])
        XCTAssertEqual(result.commits, [p0: GroupOffset(offset: 7, leaderEpoch: -1, metadata: "consumer-1")])
        XCTAssertTrue(result.clamped.isEmpty)
    }

    func testClampsToTheMirroredLogEnd() {
        let result = plan(source: [p0: GroupOffset(offset: 50, metadata: "m")], logEnds: [p0: 20])
        XCTAssertEqual(result.commits[p0], GroupOffset(offset: 20, leaderEpoch: -1, metadata: "m"))
        XCTAssertEqual(result.clamped, [p0])
    }

    func testAClampNeverMovesADestinationCommitBackwards() {
        let result = plan(
            source: [p0: GroupOffset(offset: 50)], destination: [p0: GroupOffset(offset: 25)], logEnds: [p0: 20])
        XCTAssertNil(result.commits[p0])
        XCTAssertEqual(result.keptAhead, [p0])
    }

    func testFollowsASourceGroupRewoundOnPurpose() {
        let result = plan(
            source: [p0: GroupOffset(offset: 3, metadata: "")], destination: [p0: GroupOffset(offset: 9, metadata: "")],
            logEnds: [p0: 20])
        XCTAssertEqual(result.commits[p0]?.offset, 3)
    }

    func testSkipsUnmirroredTopicsMissingPartitionsAndCommitsAlreadyThere() {
        let other = TopicPartitionID("other", 0)
        let result = plan(
            source: [
                p0: GroupOffset(offset: 5, metadata: "same"), p1: GroupOffset(offset: 6, metadata: "new"), p2: GroupOffset(offset: 1),
                other: GroupOffset(offset: 1),
            ],
            destination: [p0: GroupOffset(offset: 5, metadata: "same"), p1: GroupOffset(offset: 6, metadata: "old")],
            logEnds: [p0: 10, p1: 10, other: 10])
        // p0 is already there, p2 is not on the destination, `other` is not mirrored;
        // p1 differs only in metadata, which is copied too.
        XCTAssertEqual(result.commits, [p1: GroupOffset(offset: 6, leaderEpoch: -1, metadata: "new")])
    }
}
