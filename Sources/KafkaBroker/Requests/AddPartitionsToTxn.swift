import KafkaProtocol

extension RequestRouter {
    /// AddPartitionsToTxn (v0-5).
    ///
    /// v0-3 are the producer's: one transaction, whose partitions join it. v4+ batch
    /// transactions (KIP-890): brokers send them with `VerifyOnly` to check, before a
    /// transactional Produce, that the partition is in the transaction; without
    /// `VerifyOnly` they add as v0-3 do.
    ///
    /// A partition of an unknown topic fails with UNKNOWN_TOPIC_OR_PARTITION and the
    /// others of the transaction with OPERATION_NOT_ATTEMPTED; otherwise every partition
    /// gets the coordinator's answer.
    func addPartitionsToTxn(_ request: AddPartitionsToTxnRequest, _ context: RequestContext) -> AddPartitionsToTxnResponse {
        let version = context.version
        if version <= 3 {
            let results = addPartitions(
                transactionalId: request.v3AndBelowTransactionalId, producerId: request.v3AndBelowProducerId,
                epoch: request.v3AndBelowProducerEpoch, verifyOnly: false, topics: request.v3AndBelowTopics, context)
            return AddPartitionsToTxnResponse(resultsByTopicV3AndBelow: results)
        }
        let results = request.transactions.map { transaction in
            AddPartitionsToTxnResponse.AddPartitionsToTxnResult(
                transactionalId: transaction.transactionalId,
                topicResults: addPartitions(
                    transactionalId: transaction.transactionalId, producerId: transaction.producerId,
                    epoch: transaction.producerEpoch, verifyOnly: transaction.verifyOnly, topics: transaction.topics, context))
        }
        return AddPartitionsToTxnResponse(resultsByTransaction: results)
    }

    private func addPartitions(
        transactionalId: String, producerId: Int64, epoch: Int16, verifyOnly: Bool,
        topics: [AddPartitionsToTxnRequest.AddPartitionsToTxnTopic], _ context: RequestContext
    ) -> [AddPartitionsToTxnResponse.AddPartitionsToTxnTopicResult] {
        let partitions = topics.flatMap { topic in topic.partitions.map { TopicPartition(topic: topic.name, partition: $0) } }
        var errors: [TopicPartition: KafkaErrorCode] = [:]
        let unwritable = Set(partitions.filter { !isAuthorized(context, .write, .topic, $0.topic) })
        if let error = transactionalIDAuthorizationError(transactionalId, context)
            ?? transactionCoordinatorError(transactionalId, context)
        {
            for partition in partitions { errors[partition] = error }
        } else if !unwritable.isEmpty {
            // Kafka refuses the whole request: the topics without WRITE say why, the others were not tried.
            for partition in partitions {
                errors[partition] = unwritable.contains(partition) ? .topicAuthorizationFailed : .operationNotAttempted
            }
        } else {
            let unknown = Set(partitions.filter { core.metadata.partition($0) == nil })
            if !unknown.isEmpty {
                for partition in partitions {
                    errors[partition] = unknown.contains(partition) ? .unknownTopicOrPartition : .operationNotAttempted
                }
            } else if verifyOnly {
                for partition in partitions {
                    errors[partition] = core.transactions.verify(
                        transactionalId, producerId: producerId, epoch: epoch, partition: partition)
                }
            } else {
                let error = Self.producerFencedForVersion(
                    core.transactions.addToTransaction(transactionalId, producerId: producerId, epoch: epoch, partitions: partitions),
                    version: context.version, firstVersionWithFenced: 2)
                for partition in partitions { errors[partition] = error }
            }
        }
        return topics.map { topic in
            .init(
                name: topic.name,
                resultsByPartition: topic.partitions.map { index in
                    .init(
                        partitionIndex: index,
                        partitionErrorCode: (errors[TopicPartition(topic: topic.name, partition: index)] ?? .none).rawValue)
                })
        }
    }
}
