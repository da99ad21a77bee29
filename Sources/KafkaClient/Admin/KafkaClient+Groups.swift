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
        try await coordinators(ofGroups: [group])[group]!.get()
    }

    /// The coordinators of several groups: one FindCoordinator for all of them from v4
    /// (KIP-699), one per group before. Each group gets its own result.
    public func coordinators(ofGroups groups: [String]) async throws -> [String: Result<Int32, KafkaClientError>] {
        try await coordinators(of: groups, keyType: .group)
    }

    /// The kinds of coordinator FindCoordinator looks up (its KeyType).
    enum CoordinatorKeyType: Int8 {
        case group = 0
        case transaction = 1

        var name: String { self == .group ? "group" : "transactional id" }
    }

    /// The coordinators of several keys of one kind: one FindCoordinator for all of them
    /// from v4 (KIP-699), one per key before. Each key gets its own result.
    func coordinators(of keys: [String], keyType: CoordinatorKeyType) async throws -> [String: Result<Int32, KafkaClientError>] {
        let connection = try await anyConnection()
        var answers: [(key: String, code: Int16, node: Int32, message: String?)] = []
        if try connection.version(for: .findCoordinator) >= 4 {
            let response = try await connection.send(FindCoordinatorRequest(keyType: keyType.rawValue, coordinatorKeys: keys))
            answers = response.coordinators.map { ($0.key, $0.errorCode, $0.nodeId, $0.errorMessage) }
        } else {
            for key in keys {
                let response = try await connection.send(FindCoordinatorRequest(key: key, keyType: keyType.rawValue))
                answers.append((key, response.errorCode, response.nodeId, response.errorMessage))
            }
        }
        var results: [String: Result<Int32, KafkaClientError>] = [:]
        for answer in answers {
            results[answer.key] =
                answer.code == 0
                ? .success(answer.node)
                : .failure(
                    KafkaClientError(
                        .broker(KafkaErrorCode(rawValue: answer.code)),
                        message: "coordinator of \(keyType.name) \(answer.key)" + (answer.message.map { ": \($0)" } ?? "")))
        }
        for key in keys where results[key] == nil {
            results[key] = .failure(KafkaClientError(.protocolViolation("FindCoordinator did not answer for \(keyType.name) \(key)")))
        }
        // The coordinators must be in the metadata for `send(_:to:)` to reach them.
        let nodes = Set(results.values.compactMap { try? $0.get() })
        if try await !nodes.isSubset(of: metadata().brokers.keys) { _ = try await refreshMetadata() }
        return results
    }

    /// Runs `body` once per coordinator with the groups it coordinates, and again for
    /// the groups whose coordinator moved or is loading (NOT_COORDINATOR,
    /// COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE) or could not be
    /// reached, after a backoff, up to `attempts` times. Each group gets its own result.
    func perCoordinator<Value: Sendable>(
        _ groups: [String], attempts: Int = 10,
        _ body: (_ node: Int32, _ groups: [String]) async throws -> [String: Result<Value, KafkaClientError>]
    ) async throws -> [String: Result<Value, KafkaClientError>] {
        let backoff = RetryBackoff(base: configuration.retryBackoff, maximum: configuration.retryBackoffMax)
        var results: [String: Result<Value, KafkaClientError>] = [:]
        var pending = Array(Set(groups)).sorted()
        for attempt in 0..<attempts where !pending.isEmpty {
            if attempt > 0 {
                invalidateMetadata()
                try await Task.sleep(for: backoff.delay(attempt: attempt - 1))
            }
            var retry: [String] = []
            var byNode: [Int32: [String]] = [:]
            for (group, found) in try await coordinators(ofGroups: pending) {
                switch found {
                case .success(let node): byNode[node, default: []].append(group)
                case .failure(let error):
                    results[group] = .failure(error)
                    if error.isRetriable { retry.append(group) }
                }
            }
            for (node, batch) in byNode {
                do {
                    for (group, result) in try await body(node, batch.sorted()) {
                        results[group] = result
                        if case .failure(let error) = result, Self.coordinatorMoved(error) { retry.append(group) }
                    }
                } catch let error as KafkaClientError where error.isRetriable {
                    for group in batch { results[group] = .failure(error) }
                    retry += batch
                }
            }
            pending = retry.sorted()
        }
        return results
    }

    /// True for the errors that mean "ask FindCoordinator again".
    static func coordinatorMoved(_ error: KafkaClientError) -> Bool {
        switch error.kind {
        case .broker(let code):
            return code == .notCoordinator || code == .coordinatorLoadInProgress || code == .coordinatorNotAvailable
        default:
            return false
        }
    }

    /// Every group on every broker of the cluster (ListGroups goes to each broker,
    /// since each lists only the groups it coordinates).
    public func listGroups() async throws -> [GroupListing] {
        let snapshot = try await refreshMetadata()
        var listings: [String: GroupListing] = [:]
        for node in snapshot.brokers.keys.sorted() {
            // COORDINATOR_LOAD_IN_PROGRESS (a broker still loading its groups) is retried.
            let response = try await retrying {
                let response = try await send(ListGroupsRequest(), to: node)
                guard response.errorCode == 0 else {
                    throw KafkaClientError(.broker(KafkaErrorCode(rawValue: response.errorCode)), message: "ListGroups on node \(node)")
                }
                return response
            }
            for group in response.groups {
                listings[group.groupId] = GroupListing(groupID: group.groupId, protocolType: group.protocolType, state: group.groupState)
            }
        }
        return listings.values.sorted { $0.groupID < $1.groupID }
    }

    /// Describes groups, one DescribeGroups per coordinator. A group unknown to the
    /// cluster comes back Dead with no members, whether the broker said so (v0-5) or
    /// answered GROUP_ID_NOT_FOUND (v6).
    public func describeGroups(_ groups: [String]) async throws -> [String: Result<GroupDescription, KafkaClientError>] {
        try await perCoordinator(groups) { node, batch in
            let response = try await send(DescribeGroupsRequest(groups: batch), to: node)
            var results: [String: Result<GroupDescription, KafkaClientError>] = [:]
            for described in response.groups {
                let group = described.groupId
                let code = KafkaErrorCode(rawValue: described.errorCode)
                if code == .groupIdNotFound {
                    results[group] = .success(GroupDescription(groupID: group, state: "Dead", protocolType: "", members: []))
                } else if code != .none {
                    results[group] = .failure(KafkaClientError(.broker(code), message: described.errorMessage ?? "group \(group)"))
                } else {
                    results[group] = .success(
                        GroupDescription(
                            groupID: group, state: described.groupState, protocolType: described.protocolType,
                            members: described.members.map(\.memberId)))
                }
            }
            for group in batch where results[group] == nil {
                results[group] = .failure(KafkaClientError(.protocolViolation("DescribeGroups did not answer for group \(group)")))
            }
            return results
        }
    }

    /// Every offset `group` has committed, on every partition. Partitions without a
    /// commit are left out.
    public func fetchGroupOffsets(_ group: String) async throws -> [TopicPartitionID: GroupOffset] {
        try await fetchGroupOffsets([group])[group]!.get()
    }

    /// Every offset each group has committed (OffsetFetch with a null topic list, v2+),
    /// one request per coordinator from v8 (KIP-709), one per group before.
    public func fetchGroupOffsets(_ groups: [String]) async throws -> [String: Result<[TopicPartitionID: GroupOffset], KafkaClientError>] {
        try await perCoordinator(groups) { node, batch in
            var results: [String: Result<[TopicPartitionID: GroupOffset], KafkaClientError>] = [:]
            if try await connection(to: node).version(for: .offsetFetch) >= 8 {
                let request = OffsetFetchRequest(groups: batch.map { .init(groupId: $0, memberId: nil, memberEpoch: -1, topics: nil) })
                for answer in try await send(request, to: node).groups {
                    results[answer.groupId] = Self.groupOffsets(
                        answer.groupId, errorCode: answer.errorCode,
                        answer.topics.flatMap { topic in
                            topic.partitions.map { (topic.name, $0.partitionIndex, $0.committedOffset, $0.committedLeaderEpoch, $0.metadata, $0.errorCode) }
                        })
                }
            } else {
                for group in batch {
                    let response = try await send(OffsetFetchRequest(groupId: group, topics: nil), to: node)
                    results[group] = Self.groupOffsets(
                        group, errorCode: response.errorCode,
                        response.topics.flatMap { topic in
                            topic.partitions.map { (topic.name, $0.partitionIndex, $0.committedOffset, $0.committedLeaderEpoch, $0.metadata, $0.errorCode) }
                        })
                }
            }
            for group in batch where results[group] == nil {
                results[group] = .failure(KafkaClientError(.protocolViolation("OffsetFetch did not answer for group \(group)")))
            }
            return results
        }
    }

    /// One group's answer to OffsetFetch, whichever version shaped it.
    private static func groupOffsets(
        _ group: String, errorCode: Int16,
        _ partitions: [(topic: String, partition: Int32, offset: Int64, epoch: Int32, metadata: String?, errorCode: Int16)]
    ) -> Result<[TopicPartitionID: GroupOffset], KafkaClientError> {
        guard errorCode == 0 else {
            return .failure(KafkaClientError(.broker(KafkaErrorCode(rawValue: errorCode)), message: "offsets of group \(group)"))
        }
        var offsets: [TopicPartitionID: GroupOffset] = [:]
        for entry in partitions {
            guard entry.errorCode == 0 else {
                return .failure(
                    KafkaClientError(
                        .broker(KafkaErrorCode(rawValue: entry.errorCode)), message: "offset of group \(group)", topic: entry.topic,
                        partition: entry.partition))
            }
            if entry.offset >= 0 {
                offsets[TopicPartitionID(entry.topic, entry.partition)] = GroupOffset(
                    offset: entry.offset, leaderEpoch: entry.epoch, metadata: entry.metadata)
            }
        }
        return .success(offsets)
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
        let outcome = try await perCoordinator([group]) { node, _ -> [String: Result<OffsetCommitResponse, KafkaClientError>] in
            let response = try await send(request, to: node)
            // A coordinator that moved answers NOT_COORDINATOR on every partition: retry the whole commit.
            let codes = response.topics.flatMap { $0.partitions.map { KafkaErrorCode(rawValue: $0.errorCode) } }
            if let moved = codes.first(where: { Self.coordinatorMoved(KafkaClientError(.broker($0))) }) {
                return [group: .failure(KafkaClientError(.broker(moved), message: "commit of group \(group)"))]
            }
            return [group: .success(response)]
        }
        let response = try outcome[group]!.get()
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
