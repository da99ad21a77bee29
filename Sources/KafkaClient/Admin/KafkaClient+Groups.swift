import KafkaProtocol

/// A consumer group as ListGroups reports it.
public struct GroupListing: Hashable, Sendable {
    public var groupID: String
    /// "consumer" for Kafka consumers; empty for groups that only ever committed offsets.
    public var protocolType: String
    /// Empty, Stable, PreparingRebalance, CompletingRebalance, Dead; empty if the broker is
    /// older than ListGroups v4 (KIP-518).
    public var state: String
}

/// A consumer group as DescribeGroups reports it.
public struct GroupDescription: Hashable, Sendable {
    public var groupID: String
    public var state: String
    public var protocolType: String
    /// The member ids currently in the group.
    public var members: [String]

    /// True when consumers are in the group: any state but Empty and Dead. A group the
    /// cluster has never heard of is described as Dead with no members.
    public var hasActiveMembers: Bool {
        !members.isEmpty || !(state == "Empty" || state == "Dead" || state.isEmpty)
    }
}

/// One committed offset of a group.
public struct GroupOffset: Hashable, Sendable {
    /// The next offset the group will consume.
    public var offset: Int64
    /// The leader epoch of the record before `offset` when it was committed (KIP-320), -1 if unknown.
    public var leaderEpoch: Int32
    /// The text the consumer committed with the offset; kept as is.
    public var metadata: String?

    public init(offset: Int64, leaderEpoch: Int32 = -1, metadata: String? = "") {
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
    }
}

extension KafkaClient {
    /// The node coordinating `group` (FindCoordinator, key type 0).
    ///
    /// COORDINATOR_NOT_AVAILABLE (a broker creating `__consumer_offsets`) and
    /// COORDINATOR_LOAD_IN_PROGRESS are retriable; callers retry with `retrying(_:)`.
    public func coordinator(ofGroup group: String) async throws -> Int32 {
        // Both shapes are filled: the encoder writes `key` up to v3 and `coordinatorKeys`
        // from v4 (KIP-699), whichever version the connection negotiated.
        let request = FindCoordinatorRequest(key: group, keyType: 0, coordinatorKeys: [group])
        let response = try await anyConnection().send(request)
        let (code, node, message) =
            response.coordinators.first.map { ($0.errorCode, $0.nodeId, $0.errorMessage) }
            ?? (response.errorCode, response.nodeId, response.errorMessage)
        guard code == 0 else {
            throw KafkaClientError(.broker(KafkaErrorCode(rawValue: code)), message: "coordinator of group \(group)" + (message.map { ": \($0)" } ?? ""))
        }
        // The coordinator must be in the metadata for `send(_:to:)` to reach it.
        if try await metadata().brokers[node] == nil { _ = try await refreshMetadata() }
        return node
    }

    /// Sends a request built by `request` to the coordinator of `group`, finding it
    /// afresh on each attempt, and retries while the coordinator moves or loads
    /// (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, all
    /// retriable). `check` returns the group-level error of a response, if any.
    func sendToCoordinator<Request: KafkaRequestMessage>(
        ofGroup group: String, _ request: Request, check: @Sendable (Request.Response) -> KafkaErrorCode
    ) async throws -> Request.Response {
        try await retrying {
            let node = try await coordinator(ofGroup: group)
            let response = try await send(request, to: node)
            let code = check(response)
            guard code == .none else { throw KafkaClientError(.broker(code), message: "group \(group)") }
            return response
        }
    }

    /// Every group on every broker of the cluster (ListGroups goes to each broker,
    /// since each lists only the groups it coordinates).
    public func listGroups() async throws -> [GroupListing] {
        let snapshot = try await refreshMetadata()
        var listings: [String: GroupListing] = [:]
        for node in snapshot.brokers.keys.sorted() {
            let response = try await retrying { try await send(ListGroupsRequest(), to: node) }
            guard response.errorCode == 0 else {
                throw KafkaClientError(.broker(KafkaErrorCode(rawValue: response.errorCode)), message: "ListGroups on node \(node)")
            }
            for group in response.groups {
                listings[group.groupId] = GroupListing(groupID: group.groupId, protocolType: group.protocolType, state: group.groupState)
            }
        }
        return listings.values.sorted { $0.groupID < $1.groupID }
    }

    /// Describes groups, each at its coordinator. A group unknown to the cluster comes
    /// back Dead with no members, whether the broker said so (DescribeGroups v0-5) or
    /// answered GROUP_ID_NOT_FOUND (v6).
    public func describeGroups(_ groups: [String]) async throws -> [String: Result<GroupDescription, KafkaClientError>] {
        var results: [String: Result<GroupDescription, KafkaClientError>] = [:]
        for group in groups {
            do {
                let response = try await sendToCoordinator(ofGroup: group, DescribeGroupsRequest(groups: [group])) { response in
                    let code = KafkaErrorCode(rawValue: response.groups.first?.errorCode ?? 0)
                    // Coordinator moves are retried; other errors are the group's result.
                    return code.isRetriable ? code : .none
                }
                guard let described = response.groups.first(where: { $0.groupId == group }) ?? response.groups.first else {
                    throw KafkaClientError(.protocolViolation("DescribeGroups answered no group for \(group)"))
                }
                // DescribeGroups v6 (Kafka 4.0) answers GROUP_ID_NOT_FOUND where older
                // versions described the group as Dead: both mean the same, one shape here.
                if described.errorCode == KafkaErrorCode.groupIdNotFound.rawValue {
                    results[group] = .success(GroupDescription(groupID: group, state: "Dead", protocolType: "", members: []))
                    continue
                }
                guard described.errorCode == 0 else {
                    throw KafkaClientError(.broker(KafkaErrorCode(rawValue: described.errorCode)), message: described.errorMessage ?? "group \(group)")
                }
                results[group] = .success(
                    GroupDescription(
                        groupID: group, state: described.groupState, protocolType: described.protocolType,
                        members: described.members.map(\.memberId)))
            } catch let error as KafkaClientError {
                results[group] = .failure(error)
            }
        }
        return results
    }

    /// Every offset `group` has committed, on every partition (OffsetFetch with a null
    /// topic list, v2+). Partitions without a commit are left out.
    public func fetchGroupOffsets(_ group: String) async throws -> [TopicPartitionID: GroupOffset] {
        // One group per request; the encoder picks `groupId`/`topics` (v1-7) or `groups` (v8+, KIP-709).
        let request = OffsetFetchRequest(
            groupId: group, topics: nil, groups: [.init(groupId: group, memberId: nil, memberEpoch: -1, topics: nil)])
        let response = try await sendToCoordinator(ofGroup: group, request) { response in
            KafkaErrorCode(rawValue: response.groups.first?.errorCode ?? response.errorCode)
        }
        var offsets: [TopicPartitionID: GroupOffset] = [:]
        func add(_ topic: String, _ partition: Int32, _ offset: Int64, _ epoch: Int32, _ metadata: String?, _ code: Int16) throws {
            guard code == 0 else {
                throw KafkaClientError(.broker(KafkaErrorCode(rawValue: code)), message: "offset of group \(group)", topic: topic, partition: partition)
            }
            if offset >= 0 { offsets[TopicPartitionID(topic, partition)] = GroupOffset(offset: offset, leaderEpoch: epoch, metadata: metadata) }
        }
        if let answer = response.groups.first {
            for topic in answer.topics {
                for p in topic.partitions { try add(topic.name, p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata, p.errorCode) }
            }
        } else {
            for topic in response.topics {
                for p in topic.partitions { try add(topic.name, p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.metadata, p.errorCode) }
            }
        }
        return offsets
    }

    /// Commits offsets for `group` as an admin tool does: generation -1, no member id,
    /// which the coordinator accepts only while the group has no members (Empty or
    /// unknown). Returns each partition's error, nil on success.
    public func commitGroupOffsets(
        _ group: String, _ offsets: [TopicPartitionID: GroupOffset]
    ) async throws -> [TopicPartitionID: KafkaClientError?] {
        let byTopic = Dictionary(grouping: offsets.keys, by: \.topic)
        let request = OffsetCommitRequest(
            groupId: group, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: nil, retentionTimeMs: -1,
            topics: byTopic.sorted { $0.key < $1.key }.map { topic, partitions in
                .init(
                    name: topic,
                    partitions: partitions.sorted().map { partition in
                        let offset = offsets[partition]!
                        return .init(
                            partitionIndex: partition.partition, committedOffset: offset.offset,
                            committedLeaderEpoch: offset.leaderEpoch, committedMetadata: offset.metadata)
                    })
            })
        let response = try await sendToCoordinator(ofGroup: group, request) { response in
            // A coordinator that moved answers NOT_COORDINATOR on every partition: retry whole.
            let codes = response.topics.flatMap { $0.partitions.map { KafkaErrorCode(rawValue: $0.errorCode) } }
            return codes.first { $0 == .notCoordinator || $0 == .coordinatorLoadInProgress || $0 == .coordinatorNotAvailable } ?? .none
        }
        var results: [TopicPartitionID: KafkaClientError?] = [:]
        for topic in response.topics {
            for partition in topic.partitions {
                results[TopicPartitionID(topic.name, partition.partitionIndex)] =
                    partition.errorCode == 0
                    ? nil
                    : KafkaClientError(
                        .broker(KafkaErrorCode(rawValue: partition.errorCode)), message: "commit of group \(group)", topic: topic.name,
                        partition: partition.partitionIndex)
            }
        }
        return results
    }
}
