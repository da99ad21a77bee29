import KafkaProtocol

extension RequestRouter {
    /// DeleteRecords: moves each partition's log start offset (-1: to the high watermark).
    func deleteRecords(_ request: DeleteRecordsRequest, _ context: RequestContext) -> DeleteRecordsResponse {
        let topics = request.topics.map { topic -> DeleteRecordsResponse.DeleteRecordsTopicResult in
            .init(
                name: topic.name,
                partitions: topic.partitions.map { entry in
                    let topicPartition = TopicPartition(topic: topic.name, partition: entry.partitionIndex)
                    if let error = isAuthorized(context, .delete, .topic, topic.name)
                        ? leaderError(topicPartition, context) : .topicAuthorizationFailed
                    {
                        return .init(partitionIndex: entry.partitionIndex, lowWatermark: -1, errorCode: error.rawValue)
                    }
                    let outcome = core.partition(topicPartition)!.deleteRecords(before: entry.offset)
                    if let reason = outcome.failureReason {
                        context.logger.info("DeleteRecords on \(topicPartition) refused: \(reason)")
                    }
                    return .init(
                        partitionIndex: entry.partitionIndex, lowWatermark: outcome.lowWatermark,
                        errorCode: outcome.errorCode.rawValue)
                })
        }
        return DeleteRecordsResponse(topics: topics)
    }
}
