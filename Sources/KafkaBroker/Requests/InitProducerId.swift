import KafkaProtocol

extension RequestRouter {
    /// InitProducerId (v0-5).
    ///
    /// Without a transactional id (idempotent producers): a producer id never handed out
    /// before (persisted across restarts) at epoch 0. A producer that already has an id
    /// and asks again (KIP-360, after an UNKNOWN_PRODUCER_ID) gets a fresh one.
    ///
    /// With one, the transaction coordinator answers (``TransactionCoordinatorState``):
    /// a new id at epoch 0 the first time, then the next epoch of the same id, which
    /// fences the previous holder; an open transaction is aborted first (the client gets
    /// CONCURRENT_TRANSACTIONS and retries). PRODUCER_FENCED is INVALID_PRODUCER_EPOCH
    /// before v4 (KIP-588).
    func initProducerId(_ request: InitProducerIdRequest, _ context: RequestContext) -> InitProducerIdResponse {
        if let refused = initProducerIdAuthorizationError(request, context) {
            return InitProducerIdResponse(errorCode: refused.rawValue, producerId: -1, producerEpoch: -1)
        }
        if let transactionalId = request.transactionalId {
            if let error = transactionCoordinatorError(transactionalId, context) {
                return InitProducerIdResponse(errorCode: error.rawValue, producerId: -1, producerEpoch: -1)
            }
            let answer = core.transactions.initProducerId(
                transactionalId, timeoutMs: request.transactionTimeoutMs, expectedProducerId: request.producerId,
                expectedEpoch: request.producerEpoch)
            let code = Self.producerFencedForVersion(answer.error, version: context.version, firstVersionWithFenced: 4)
            return InitProducerIdResponse(errorCode: code.rawValue, producerId: answer.producerId, producerEpoch: answer.epoch)
        }
        do {
            let producerID = try core.metadata.allocateProducerIDs()
            return InitProducerIdResponse(errorCode: 0, producerId: producerID, producerEpoch: 0)
        } catch {
            context.logger.error("allocating a producer id failed: \(error)")
            return InitProducerIdResponse(errorCode: KafkaErrorCode.unknownServerError.rawValue, producerId: -1, producerEpoch: -1)
        }
    }
}
