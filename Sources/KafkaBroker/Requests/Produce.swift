import KafkaProtocol
import NIOCore

extension RequestRouter {
    /// Produce, versions 3-12 (v0-2 never get here: the router closes the connection).
    ///
    /// Each partition is validated and appended by its `Partition`, with Kafka's rules
    /// (KAFKA-RULES.md). Request-wide checks come first, as in Kafka's
    /// `KafkaApis.handleProduceRequest`: an invalid `acks` fails every partition, and so
    /// does a transactional batch in a request without a transactional id, or with one
    /// the principal may not WRITE (53). A topic the principal may not WRITE gets
    /// TOPIC_AUTHORIZATION_FAILED on each of its partitions and nothing is appended.
    /// With acks=0 nothing is sent back; if anything failed the connection is closed,
    /// which is how Kafka tells an acks=0 producer that its write was lost.
    func produce(_ request: ProduceRequest, _ context: RequestContext) -> HandlerResult {
        let version = context.version
        var requestError: KafkaErrorCode?
        if ![-1, 0, 1].contains(request.acks) {
            requestError = .invalidRequiredAcks
        } else if request.topicData.contains(where: { topic in
            topic.partitionData.contains { $0.records.map(ProduceValidator.containsTransactionalBatch) ?? false }
        }) {
            // Transactional batches need a transactional id the principal may WRITE.
            requestError = request.transactionalId.map { transactionalIDAuthorizationError($0, context) } ?? .transactionalIdAuthorizationFailed
        }
        let produceContext = ProduceRequestContext(requestVersion: version, transactionalId: request.transactionalId)
        var failed = false
        let responses = request.topicData.map { topic -> ProduceResponse.TopicProduceResponse in
            // Kafka checks WRITE on each topic before it looks the topic up.
            let topicError = requestError ?? (isAuthorized(context, .write, .topic, topic.name) ? nil : .topicAuthorizationFailed)
            let partitions = topic.partitionData.map { data -> ProduceResponse.PartitionProduceResponse in
                let topicPartition = TopicPartition(topic: topic.name, partition: data.index)
                let outcome = appendOne(data.records, to: topicPartition, requestError: topicError, produceContext, context)
                if outcome.errorCode != .none { failed = true }
                return response(for: outcome, partition: data.index, topicPartition: topicPartition, version: version)
            }
            return .init(name: topic.name, partitionResponses: partitions)
        }
        if request.acks == 0 {
            return failed ? .close("a Produce with acks=0 failed") : .noResponse
        }
        return .response(.produce(ProduceResponse(responses: responses)))
    }

    private func appendOne(
        _ records: ByteBuffer?, to topicPartition: TopicPartition, requestError: KafkaErrorCode?,
        _ produceContext: ProduceRequestContext, _ context: RequestContext
    ) -> PartitionAppendOutcome {
        func failure(_ code: KafkaErrorCode) -> PartitionAppendOutcome {
            PartitionAppendOutcome(errorCode: code, baseOffset: -1, logAppendTime: -1, logStartOffset: -1)
        }
        if let requestError { return failure(requestError) }
        guard let info = core.metadata.partition(topicPartition), let partition = core.partition(topicPartition) else {
            return failure(.unknownTopicOrPartition)
        }
        guard info.leader == context.nodeID else { return failure(.notLeaderOrFollower) }
        var produceContext = produceContext
        if let transactionalId = produceContext.transactionalId {
            // KIP-890: ask the coordinator whether the partition is in the transaction.
            // PRODUCER_FENCED reaches the producer as INVALID_PRODUCER_EPOCH.
            let transactions = core.transactions
            produceContext.verifyTransaction = { producerId, epoch in
                let code = transactions.verify(transactionalId, producerId: producerId, epoch: epoch, partition: topicPartition)
                return code == .producerFenced ? .invalidProducerEpoch : code
            }
        }
        let outcome = partition.append(records: records, request: produceContext)
        if let reason = outcome.failureReason {
            context.logger.info("produce to \(topicPartition) refused: \(outcome.errorCode): \(reason)")
        }
        return outcome
    }

    private func response(
        for outcome: PartitionAppendOutcome, partition: Int32, topicPartition: TopicPartition, version: Int16
    ) -> ProduceResponse.PartitionProduceResponse {
        var response = ProduceResponse.PartitionProduceResponse(
            index: partition, errorCode: outcome.errorCode.rawValue, baseOffset: outcome.baseOffset,
            logAppendTimeMs: outcome.logAppendTime, logStartOffset: outcome.logStartOffset,
            recordErrors: outcome.recordErrors.map { .init(batchIndex: $0.batchIndex, batchIndexErrorMessage: $0.message) },
            errorMessage: outcome.errorMessage)
        // KIP-951: tell the client where the leader went, so it can skip a metadata round trip.
        if outcome.errorCode == .notLeaderOrFollower, let info = core.metadata.partition(topicPartition) {
            response.currentLeader = .init(leaderId: info.leader, leaderEpoch: info.leaderEpoch)
        }
        return response
    }
}
