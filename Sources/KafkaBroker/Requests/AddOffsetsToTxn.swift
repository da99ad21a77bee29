import KafkaProtocol

extension RequestRouter {
    /// AddOffsetsToTxn (v0-4): the group's offsets join the producer's transaction, so
    /// that TxnOffsetCommit may send them and the commit makes them visible. Kafka adds
    /// the group's `__consumer_offsets` partition; this coordinator records the group.
    func addOffsetsToTxn(_ request: AddOffsetsToTxnRequest, _ context: RequestContext) -> AddOffsetsToTxnResponse {
        var error = transactionalIDAuthorizationError(request.transactionalId, context)
            ?? (isAuthorized(context, .read, .group, request.groupId) ? nil : .groupAuthorizationFailed)
            ?? transactionCoordinatorError(request.transactionalId, context)
        if error == nil, request.groupId.isEmpty { error = .invalidGroupId }
        let code = error ?? core.transactions.addToTransaction(
            request.transactionalId, producerId: request.producerId, epoch: request.producerEpoch, partitions: [],
            group: request.groupId)
        return AddOffsetsToTxnResponse(
            errorCode: Self.producerFencedForVersion(code, version: context.version, firstVersionWithFenced: 2).rawValue)
    }
}
