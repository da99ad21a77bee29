import KafkaProtocol

extension RequestRouter {
    /// DescribeProducers: the idempotent producers each partition knows.
    func describeProducers(_ request: DescribeProducersRequest, _ context: RequestContext) -> DescribeProducersResponse {
        let topics = request.topics.map { topic -> DescribeProducersResponse.TopicResponse in
            .init(
                name: topic.name,
                partitions: topic.partitionIndexes.map { index in
                    let topicPartition = TopicPartition(topic: topic.name, partition: index)
                    if let error = isAuthorized(context, .read, .topic, topic.name)
                        ? leaderError(topicPartition, context) : .topicAuthorizationFailed
                    {
                        return .init(partitionIndex: index, errorCode: error.rawValue, errorMessage: error.message)
                    }
                    let producers = core.partition(topicPartition)!.describeProducers()
                    return .init(
                        partitionIndex: index, errorCode: 0,
                        activeProducers: producers.map {
                            .init(
                                producerId: $0.producerId, producerEpoch: $0.producerEpoch, lastSequence: $0.lastSequence,
                                lastTimestamp: $0.lastTimestamp, coordinatorEpoch: $0.coordinatorEpoch,
                                currentTxnStartOffset: $0.currentTransactionStartOffset)
                        })
                })
        }
        return DescribeProducersResponse(topics: topics)
    }
}
