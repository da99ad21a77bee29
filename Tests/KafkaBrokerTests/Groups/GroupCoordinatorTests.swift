import Foundation
import KafkaProtocol
import Logging
import NIOCore
import Testing
@testable import KafkaBroker

/// The coordinator around the state machine: parked requests, cancellation, shutdown,
/// placement, and durability of offsets (in-memory file system with crashes, and a real
/// BrokerCore restarted on its data directory).
@Suite struct GroupCoordinatorTests {
    static let logger = Logger(label: "test.groups")

    static func coordinator(_ fileSystem: InMemoryFileSystem, _ clock: ManualClock, nodes: [Int32] = [1])
        throws -> GroupCoordinator
    {
        try fileSystem.createDirectory(at: "/data")
        return try GroupCoordinator(
            dataDirectory: "/data", nodeIDs: nodes, configuration: GroupCoordinatorConfiguration(), fileSystem: fileSystem,
            clock: clock, logger: logger)
    }

    static func commit(_ coordinator: GroupCoordinator, group: String = "g", _ offset: Int64, partition: Int32 = 0)
        -> [TopicPartition: KafkaErrorCode]
    {
        coordinator.commitOffsets(
            groupID: group, memberID: "", instanceID: nil, generationID: -1, retentionTimeMs: -1, version: 9,
            partitions: [.init(partition: .init(topic: "t", partition: partition), offset: offset, leaderEpoch: 3, metadata: "meta")])
    }

    /// Yields until `condition` holds (bounded, no sleeping).
    static func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<1_000_000 where !condition() { await Task.yield() }
        try #require(condition())
    }

    @Test func aParkedJoinIsAnsweredWhenTheOtherMemberRejoins() async throws {
        let clock = ManualClock()
        let coordinator = try Self.coordinator(InMemoryFileSystem(), clock)
        let first = await coordinator.join(GroupScript.joinRequest(), version: 3, clientID: "a", clientHost: "/127.0.0.1")
        #expect(first.generationId == 1)
        _ = await coordinator.sync(SyncGroupRequest(groupId: "g", generationId: 1, memberId: first.memberId))
        let second = Task { await coordinator.join(GroupScript.joinRequest(), version: 3, clientID: "b", clientHost: "/127.0.0.1") }
        try await Self.eventually { coordinator.withState { $0.group("g")?.state == .preparingRebalance } }
        #expect(coordinator.heartbeat(HeartbeatRequest(groupId: "g", generationId: 1, memberId: first.memberId)) == .rebalanceInProgress)
        let rejoin = await coordinator.join(GroupScript.joinRequest(member: first.memberId), version: 3, clientID: "a", clientHost: "")
        let other = await second.value
        #expect(rejoin.generationId == 2 && other.generationId == 2)
        #expect(rejoin.members.count == 2)
    }

    @Test func theRebalanceTimeoutFiresFromRunTimers() async throws {
        let clock = ManualClock()
        let coordinator = try Self.coordinator(InMemoryFileSystem(), clock)
        let first = await coordinator.join(GroupScript.joinRequest(rebalance: 20_000), version: 3, clientID: "a", clientHost: "")
        _ = await coordinator.sync(SyncGroupRequest(groupId: "g", generationId: 1, memberId: first.memberId))
        let second = Task { await coordinator.join(GroupScript.joinRequest(rebalance: 20_000), version: 3, clientID: "b", clientHost: "") }
        try await Self.eventually { coordinator.withState { $0.group("g")?.state == .preparingRebalance } }
        clock.advance(milliseconds: 20_000)
        coordinator.runTimers()
        let answer = await second.value
        #expect(answer.generationId == 2)
        #expect(answer.members.map(\.memberId) == [answer.memberId])  // the silent first member was dropped
    }

    @Test func aParkedJoinWhoseTaskIsCancelledIsAnswered() async throws {
        let coordinator = try Self.coordinator(InMemoryFileSystem(), ManualClock())
        let first = await coordinator.join(GroupScript.joinRequest(), version: 3, clientID: "a", clientHost: "")
        _ = await coordinator.sync(SyncGroupRequest(groupId: "g", generationId: 1, memberId: first.memberId))
        let parked = Task { await coordinator.join(GroupScript.joinRequest(), version: 3, clientID: "b", clientHost: "") }
        try await Self.eventually { coordinator.withState { $0.group("g")?.state == .preparingRebalance } }
        parked.cancel()
        #expect(await parked.value.errorCode == KafkaErrorCode.coordinatorNotAvailable.rawValue)
        // Cancelled before it even started: answered at once too.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await coordinator.join(GroupScript.joinRequest(), version: 3, clientID: "c", clientHost: "")
        }
        #expect(await early.value.errorCode == KafkaErrorCode.coordinatorNotAvailable.rawValue)
    }

    @Test func shutdownAnswersParkedRequestsAndRefusesNewOnes() async throws {
        let coordinator = try Self.coordinator(InMemoryFileSystem(), ManualClock())
        let first = await coordinator.join(GroupScript.joinRequest(), version: 3, clientID: "a", clientHost: "")
        _ = await coordinator.sync(SyncGroupRequest(groupId: "g", generationId: 1, memberId: first.memberId))
        let parked = Task { await coordinator.join(GroupScript.joinRequest(), version: 3, clientID: "b", clientHost: "") }
        try await Self.eventually { coordinator.withState { $0.group("g")?.state == .preparingRebalance } }
        coordinator.shutdown()
        #expect(await parked.value.errorCode == KafkaErrorCode.coordinatorNotAvailable.rawValue)
        #expect(coordinator.heartbeat(HeartbeatRequest(groupId: "g", generationId: 1, memberId: first.memberId)) == .coordinatorNotAvailable)
        #expect(Self.commit(coordinator, 1).values.first == .coordinatorNotAvailable)
    }

    @Test func committedOffsetsSurviveACrashAndGroupMetadataARestart() async throws {
        let fileSystem = InMemoryFileSystem()
        let clock = ManualClock()
        var coordinator = try Self.coordinator(fileSystem, clock)
        let member = await coordinator.join(GroupScript.joinRequest(), version: 3, clientID: "a", clientHost: "")
        _ = await coordinator.sync(SyncGroupRequest(groupId: "g", generationId: 1, memberId: member.memberId))
        let committed = coordinator.commitOffsets(
            groupID: "g", memberID: member.memberId, instanceID: nil, generationID: 1, retentionTimeMs: -1, version: 9,
            partitions: [.init(partition: .init(topic: "t", partition: 0), offset: 42, leaderEpoch: 2, metadata: nil)])
        #expect(committed.values.first == KafkaErrorCode.none)
        #expect(Self.commit(coordinator, group: "simple", 7).values.first == KafkaErrorCode.none)
        fileSystem.crash()  // nothing unsynced survives; the commits were fsynced
        coordinator = try Self.coordinator(fileSystem, clock)
        let offsets = try #require(coordinator.fetchOffsets(groupID: "g", partitions: nil))
        #expect(offsets.map(\.1?.offset) == [42])
        #expect(offsets.map(\.1?.leaderEpoch) == [2])
        #expect(coordinator.fetchOffsets(groupID: "simple", partitions: nil)?.map(\.1?.metadata) == ["meta"])
        let group = try #require(coordinator.withState { $0.group("g") })
        #expect(group.state == .empty && group.protocolType == "consumer" && group.generationID == 1)
        #expect(group.members.isEmpty)
        // The old member is gone; its client rejoins and the generation continues.
        #expect(coordinator.heartbeat(HeartbeatRequest(groupId: "g", generationId: 1, memberId: member.memberId)) == .unknownMemberId)
        let rejoined = await coordinator.join(GroupScript.joinRequest(), version: 3, clientID: "a", clientHost: "")
        #expect(rejoined.generationId == 2)
        // Deletes are durable too.
        #expect(coordinator.deleteOffsets(groupID: "simple", partitions: [.init(topic: "t", partition: 0)]).error == .none)
        #expect(coordinator.deleteGroups(["g", "simple", "none"]) == ["g": .nonEmptyGroup, "simple": .none, "none": .groupIdNotFound])
        fileSystem.crash()
        coordinator = try Self.coordinator(fileSystem, clock)
        #expect(coordinator.withState { $0.group("simple") } == nil)
        #expect(coordinator.fetchOffsets(groupID: "g", partitions: nil)?.map(\.1?.offset) == [42])
    }

    @Test func aTornTailOfTheStoreIsCutOff() throws {
        let fileSystem = InMemoryFileSystem()
        let clock = ManualClock()
        var coordinator = try Self.coordinator(fileSystem, clock)
        _ = Self.commit(coordinator, 1)
        _ = Self.commit(coordinator, 2)
        coordinator.shutdown()
        let path = "/data/group-coordinator/groups.log"
        let file = try fileSystem.openFile(at: path, createIfMissing: false)
        let size = try file.size()
        // A crash in the middle of a third append: half a frame at the end.
        try file.write(ByteBuffer(bytes: [0, 0, 0, 40, 1, 2, 3, 4, 9, 9]), at: size)
        try file.synchronize()
        try file.close()
        coordinator = try Self.coordinator(fileSystem, clock)
        #expect(coordinator.fetchOffsets(groupID: "g", partitions: nil)?.map(\.1?.offset) == [2])
        #expect(try fileSystem.openFile(at: path, createIfMissing: false).size() == size)
        _ = Self.commit(coordinator, 3)
        coordinator = try Self.coordinator(fileSystem, clock)
        #expect(coordinator.fetchOffsets(groupID: "g", partitions: nil)?.map(\.1?.offset) == [3])
    }

    @Test func theStoreIsCompactedWhenMostOfItIsSuperseded() throws {
        let fileSystem = InMemoryFileSystem()
        let clock = ManualClock()
        var coordinator = try Self.coordinator(fileSystem, clock)
        for offset in 0..<10_050 { _ = Self.commit(coordinator, Int64(offset)) }
        let size = try fileSystem.openFile(at: "/data/group-coordinator/groups.log", createIfMissing: false).size()
        #expect(size < 100_000)
        coordinator = try Self.coordinator(fileSystem, clock)
        #expect(coordinator.fetchOffsets(groupID: "g", partitions: nil)?.map(\.1?.offset) == [10_049])
    }

    @Test func theFirstLookupOnAFreshStoreIsUnavailableThenNever() throws {
        let fileSystem = InMemoryFileSystem()
        var coordinator = try Self.coordinator(fileSystem, ManualClock())
        #expect(coordinator.coordinatorIsAvailable() == false)
        #expect(coordinator.coordinatorIsAvailable() == true)
        coordinator = try Self.coordinator(fileSystem, ManualClock())
        #expect(coordinator.coordinatorIsAvailable() == true)
    }

    @Test func groupsAreSpreadOverNodesAsKafkaSpreadsThemOverOffsetsPartitions() throws {
        let coordinator = try Self.coordinator(InMemoryFileSystem(), ManualClock(), nodes: [1, 2, 3])
        // Java: "cf-grp".hashCode() = -1365038981 -> abs % 50 = 31 -> node index 31 % 3 = 1.
        #expect(coordinator.coordinatorNode(for: "cf-grp") == 2)
        // "abc".hashCode() = 96354 -> % 50 = 4 -> node index 1.
        #expect(coordinator.coordinatorNode(for: "abc") == 2)
        let nodes = Set((0..<100).map { coordinator.coordinatorNode(for: "group-\($0)") })
        #expect(nodes == [1, 2, 3])
    }

    @Test func offsetsSurviveABrokerCoreRestart() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = BrokerConfiguration(dataDirectory: directory.path)
        configuration.groups.coordinatorUnavailableOnFirstLookup = false
        var core = try BrokerCore(configuration: configuration, logger: Self.logger)
        try core.createTopic(name: "t", partitions: 2, replicationFactor: 1, configOverrides: [:])
        #expect(Self.commit(core.groups, 11, partition: 1).values.first == KafkaErrorCode.none)
        core.shutdown()
        core = try BrokerCore(configuration: configuration, logger: Self.logger)
        defer { core.shutdown() }
        let offsets = try #require(core.groups.fetchOffsets(groupID: "g", partitions: [.init(topic: "t", partition: 1)]))
        #expect(offsets.first?.1?.offset == 11)
        #expect(offsets.first?.1?.metadata == "meta")
    }
}
