import KafkaProtocol

extension RequestRouter {
    /// OffsetCommit (v2-9). Partitions of unknown topics get UNKNOWN_TOPIC_OR_PARTITION
    /// (as Kafka's `KafkaApis` answers before asking the coordinator); the rest are
    /// checked against the group and member and stored durably before the answer
    /// (`GroupCoordinator.commitOffsets`). Retention is only read from v2-4, the versions
    /// that carry it (KIP-211 removed it).
    func offsetCommit(_ request: OffsetCommitRequest, _ context: RequestContext) -> OffsetCommitResponse {
        let version = context.version
        var errors: [TopicPartition: KafkaErrorCode] = [:]
        var toCommit: [GroupCoordinatorState.OffsetToCommit] = []
        let local = coordinates(request.groupId, context)
        // READ on the group, then on each topic (Kafka's `handleOffsetCommitRequest`).
        let groupAuthorized = isAuthorized(context, .read, .group, request.groupId)
        for topic in request.topics {
            let partitionCount = core.metadata.topic(topic.name)?.partitions.count ?? 0
            let topicAuthorized = groupAuthorized && isAuthorized(context, .read, .topic, topic.name)
            for partition in topic.partitions {
                let key = TopicPartition(topic: topic.name, partition: partition.partitionIndex)
                if !groupAuthorized {
                    errors[key] = .groupAuthorizationFailed
                } else if !topicAuthorized {
                    errors[key] = .topicAuthorizationFailed
                } else if !local {
                    errors[key] = .notCoordinator
                } else if partition.partitionIndex < 0 || Int(partition.partitionIndex) >= partitionCount {
                    errors[key] = .unknownTopicOrPartition
                } else {
                    toCommit.append(
                        .init(
                            partition: key, offset: partition.committedOffset,
                            leaderEpoch: version >= 6 ? partition.committedLeaderEpoch : -1,
                            metadata: partition.committedMetadata))
                }
            }
        }
        if !toCommit.isEmpty {
            let results = core.groups.commitOffsets(
                groupID: request.groupId, memberID: request.memberId, instanceID: request.groupInstanceId,
                generationID: request.generationIdOrMemberEpoch, retentionTimeMs: version <= 4 ? request.retentionTimeMs : -1,
                version: version, partitions: toCommit)
            errors.merge(results) { _, result in result }
        }
        return OffsetCommitResponse(
            topics: request.topics.map { topic in
                .init(
                    name: topic.name,
                    partitions: topic.partitions.map { partition in
                        let key = TopicPartition(topic: topic.name, partition: partition.partitionIndex)
                        return .init(partitionIndex: partition.partitionIndex, errorCode: (errors[key] ?? .unknownServerError).rawValue)
                    })
            })
    }
}
