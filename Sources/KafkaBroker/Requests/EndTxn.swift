import KafkaProtocol

extension RequestRouter {
    /// EndTxn (v0-5): commits or aborts the producer's transaction. The answer comes once
    /// PrepareCommit/PrepareAbort is durable; the markers follow asynchronously, as on a
    /// real broker. v5 reports the producer id and epoch (KIP-890 part 2); this
    /// coordinator runs transactions version 1 (it finalizes no `transaction.version`
    /// feature, so clients do not expect the epoch bump of version 2), so they are the
    /// request's.
    func endTxn(_ request: EndTxnRequest, _ context: RequestContext) -> EndTxnResponse {
        let code = transactionalIDAuthorizationError(request.transactionalId, context)
            ?? transactionCoordinatorError(request.transactionalId, context)
            ?? core.transactions.endTransaction(
                request.transactionalId, producerId: request.producerId, epoch: request.producerEpoch,
                commit: request.committed)
        let answer = Self.producerFencedForVersion(code, version: context.version, firstVersionWithFenced: 2)
        return EndTxnResponse(
            errorCode: answer.rawValue, producerId: answer == .none ? request.producerId : -1,
            producerEpoch: answer == .none ? request.producerEpoch : -1)
    }
}
