import KafkaProtocol

extension RequestRouter {
    /// TxnOffsetCommit (v0-5), sent to the group's coordinator: the offsets are held by
    /// the transaction and committed to the group only when it commits (OffsetFetch does
    /// not see them before; an abort drops them). The group must have been added with
    /// AddOffsetsToTxn (else INVALID_TXN_STATE); from v3 the member and generation are
    /// checked as for OffsetCommit (KIP-447).
    func txnOffsetCommit(_ request: TxnOffsetCommitRequest, _ context: RequestContext) -> TxnOffsetCommitResponse {
        var offsets: [TopicPartition: PendingTransactionOffset] = [:]
        var errors: [TopicPartition: KafkaErrorCode] = [:]
        for topic in request.topics {
            for entry in topic.partitions {
                let partition = TopicPartition(topic: topic.name, partition: entry.partitionIndex)
                if !isAuthorized(context, .read, .topic, topic.name) {
                    errors[partition] = .topicAuthorizationFailed
                    continue
                }
                if let metadata = entry.committedMetadata,
                    metadata.utf16.count > core.groups.configuration.offsetMetadataMaximumBytes
                {
                    errors[partition] = .offsetMetadataTooLarge
                    continue
                }
                offsets[partition] = PendingTransactionOffset(
                    offset: entry.committedOffset, leaderEpoch: entry.committedLeaderEpoch,
                    metadata: entry.committedMetadata ?? "")
            }
        }
        var requestError: KafkaErrorCode?
        if let refused = transactionalIDAuthorizationError(request.transactionalId, context) {
            requestError = refused
        } else if !isAuthorized(context, .read, .group, request.groupId) {
            requestError = .groupAuthorizationFailed
        } else if request.groupId.isEmpty {
            requestError = .invalidGroupId
        } else if core.groups.coordinatorNode(for: request.groupId) != context.nodeID {
            requestError = .notCoordinator
        } else if request.transactionalId.isEmpty {
            requestError = .invalidRequest
        } else if context.version >= 3,
            let error = core.groups.validateTransactionalCommit(
                groupID: request.groupId, memberID: request.memberId, instanceID: request.groupInstanceId,
                generationID: request.generationId)
        {
            requestError = error
        }
        let code = requestError ?? core.transactions.commitOffsets(
            request.transactionalId, producerId: request.producerId, epoch: request.producerEpoch, group: request.groupId,
            offsets: offsets)
        let answer = Self.producerFencedForVersion(code, version: context.version, firstVersionWithFenced: 3)
        return TxnOffsetCommitResponse(
            topics: request.topics.map { topic in
                .init(
                    name: topic.name,
                    partitions: topic.partitions.map { entry in
                        let partition = TopicPartition(topic: topic.name, partition: entry.partitionIndex)
                        return .init(partitionIndex: entry.partitionIndex, errorCode: (errors[partition] ?? answer).rawValue)
                    })
            })
    }
}
