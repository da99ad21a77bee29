import KafkaProtocol

extension RequestRouter {
    /// OffsetFetch (v1-9): one group (v1-7) or several (v8+, KIP-709); a null topic list
    /// (v2+) asks for every partition the group committed. A partition without a
    /// committed offset answers -1 with no error, as does a group that does not exist.
    ///
    /// `require_stable` (v7+, KIP-447) answers UNSTABLE_OFFSET_COMMIT (and offset -1) for
    /// partitions with an offset a transaction has sent but not yet committed, so a
    /// read_committed consumer does not start from an offset that may still change.
    func offsetFetch(_ request: OffsetFetchRequest, _ context: RequestContext) -> OffsetFetchResponse {
        let version = context.version
        let transactions = core.transactions
        func partitionError(_ group: String, _ topic: String, _ partition: Int32, _ otherwise: Int16) -> Int16 {
            guard version >= 7, request.requireStable,
                transactions.hasPendingOffset(group: group, partition: TopicPartition(topic: topic, partition: partition))
            else { return otherwise }
            return KafkaErrorCode.unstableOffsetCommit.rawValue
        }
        if version >= 8 {
            return OffsetFetchResponse(
                groups: request.groups.map { group in
                    let partitions = group.topics.map { topics in
                        topics.flatMap { topic in topic.partitionIndexes.map { TopicPartition(topic: topic.name, partition: $0) } }
                    }
                    let (error, offsets) = fetchGroupOffsets(group.groupId, partitions: partitions, context)
                    return .init(
                        groupId: group.groupId,
                        topics: Self.grouped(offsets).map { name, entries in
                            .init(
                                name: name,
                                partitions: entries.map { partition, offset in
                                    let denied = topicError(name, context)
                                    let code = denied != 0 ? denied : partitionError(group.groupId, name, partition, 0)
                                    let offset = code == 0 ? offset : nil
                                    return .init(
                                        partitionIndex: partition, committedOffset: offset?.offset ?? -1,
                                        committedLeaderEpoch: offset?.leaderEpoch ?? -1, metadata: offset?.metadata ?? "",
                                        errorCode: code)
                                })
                        },
                        errorCode: error.rawValue)
                })
        }
        let partitions = request.topics.map { topics in
            topics.flatMap { topic in topic.partitionIndexes.map { TopicPartition(topic: topic.name, partition: $0) } }
        }
        let (error, offsets) = fetchGroupOffsets(request.groupId, partitions: partitions, context)
        // v1 has no top-level error: the group's error goes to every partition asked for.
        let listed = error != .none && version < 2 ? (partitions ?? []).map { ($0, CommittedOffset?.none) } : offsets
        let errorForPartitions = version < 2 ? error.rawValue : 0
        return OffsetFetchResponse(
            topics: Self.grouped(listed).map { name, entries in
                .init(
                    name: name,
                    partitions: entries.map { partition, offset in
                        let denied = errorForPartitions == 0 ? topicError(name, context) : 0
                        let code = denied != 0 ? denied : partitionError(request.groupId, name, partition, errorForPartitions)
                        let offset = code == errorForPartitions ? offset : nil
                        return .init(
                            partitionIndex: partition, committedOffset: offset?.offset ?? -1,
                            committedLeaderEpoch: offset?.leaderEpoch ?? -1, metadata: offset?.metadata ?? "",
                            errorCode: code)
                    })
            },
            errorCode: version >= 2 ? error.rawValue : 0)
    }

    private func fetchGroupOffsets(_ groupID: String, partitions: [TopicPartition]?, _ context: RequestContext)
        -> (KafkaErrorCode, [(TopicPartition, CommittedOffset?)])
    {
        guard isAuthorized(context, .describe, .group, groupID) else { return (.groupAuthorizationFailed, []) }
        guard coordinates(groupID, context) else { return (.notCoordinator, []) }
        // DESCRIBE on each topic: a partition asked for by name is refused, one of "all
        // committed" silently left out (Kafka's `handleOffsetFetchRequest`).
        var describable: [String: Bool] = [:]
        func mayDescribe(_ topic: String) -> Bool {
            if let known = describable[topic] { return known }
            let allowed = isAuthorized(context, .describe, .topic, topic, logIfDenied: partitions != nil)
            describable[topic] = allowed
            return allowed
        }
        let allowed = partitions?.filter { mayDescribe($0.topic) }
        guard let offsets = core.groups.fetchOffsets(groupID: groupID, partitions: allowed) else {
            return (.coordinatorNotAvailable, [])
        }
        guard let partitions else { return (.none, offsets.filter { mayDescribe($0.0.topic) }) }
        let found = Dictionary(offsets.map { ($0.0, $0.1) }, uniquingKeysWith: { first, _ in first })
        return (.none, partitions.map { ($0, found[$0] ?? nil) })
    }

    /// TOPIC_AUTHORIZATION_FAILED for a partition of a topic the principal may not DESCRIBE.
    private func topicError(_ topic: String, _ context: RequestContext) -> Int16 {
        isAuthorized(context, .describe, .topic, topic, logIfDenied: false) ? 0 : KafkaErrorCode.topicAuthorizationFailed.rawValue
    }

    /// Partitions grouped by topic, topics in first-seen order.
    private static func grouped(_ offsets: [(TopicPartition, CommittedOffset?)]) -> [(String, [(Int32, CommittedOffset?)])] {
        var order: [String] = []
        var byTopic: [String: [(Int32, CommittedOffset?)]] = [:]
        for (partition, offset) in offsets {
            if byTopic[partition.topic] == nil { order.append(partition.topic) }
            byTopic[partition.topic, default: []].append((partition.partition, offset))
        }
        return order.map { ($0, byTopic[$0]!) }
    }
}
