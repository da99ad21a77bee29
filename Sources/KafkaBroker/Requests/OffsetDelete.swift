import KafkaProtocol

extension RequestRouter {
    /// OffsetDelete (v0, KIP-496): deletes committed offsets of partitions the group does
    /// not consume (GROUP_SUBSCRIBED_TO_TOPIC for those it does). Unknown topics get
    /// UNKNOWN_TOPIC_OR_PARTITION; group errors (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP for a
    /// non-consumer group with members) answer the whole request.
    func offsetDelete(_ request: OffsetDeleteRequest, _ context: RequestContext) -> OffsetDeleteResponse {
        // DELETE on the group, READ on each topic (Kafka's `handleOffsetDeleteRequest`).
        guard isAuthorized(context, .delete, .group, request.groupId) else {
            return OffsetDeleteResponse(errorCode: KafkaErrorCode.groupAuthorizationFailed.rawValue)
        }
        guard coordinates(request.groupId, context) else {
            return OffsetDeleteResponse(errorCode: KafkaErrorCode.notCoordinator.rawValue)
        }
        var errors: [TopicPartition: KafkaErrorCode] = [:]
        var known: [TopicPartition] = []
        for topic in request.topics {
            let partitionCount = core.metadata.topic(topic.name)?.partitions.count ?? 0
            let topicAuthorized = isAuthorized(context, .read, .topic, topic.name)
            for partition in topic.partitions {
                let key = TopicPartition(topic: topic.name, partition: partition.partitionIndex)
                if !topicAuthorized {
                    errors[key] = .topicAuthorizationFailed
                } else if partition.partitionIndex < 0 || Int(partition.partitionIndex) >= partitionCount {
                    errors[key] = .unknownTopicOrPartition
                } else {
                    known.append(key)
                }
            }
        }
        let (error, results) = core.groups.deleteOffsets(groupID: request.groupId, partitions: known)
        guard error == .none else { return OffsetDeleteResponse(errorCode: error.rawValue) }
        errors.merge(results) { _, result in result }
        return OffsetDeleteResponse(
            topics: request.topics.map { topic in
                .init(
                    name: topic.name,
                    partitions: topic.partitions.map { partition in
                        let key = TopicPartition(topic: topic.name, partition: partition.partitionIndex)
                        return .init(partitionIndex: partition.partitionIndex, errorCode: (errors[key] ?? .none).rawValue)
                    })
            })
    }
}
