import KafkaProtocol

extension RequestRouter {
    /// InitProducerId for idempotent producers: a producer id never handed out before
    /// (persisted across restarts) at epoch 0. A producer that already has an id and asks
    /// again (KIP-360, after an UNKNOWN_PRODUCER_ID) gets a fresh one.
    ///
    /// Transactional ids need the transaction coordinator, which comes with the
    /// transactions work; until then they are refused with COORDINATOR_NOT_AVAILABLE,
    /// the answer a real broker gives while no coordinator is loaded.
    func initProducerId(_ request: InitProducerIdRequest, _ context: RequestContext) -> InitProducerIdResponse {
        if let refused = initProducerIdAuthorizationError(request, context) {
            return InitProducerIdResponse(errorCode: refused.rawValue, producerId: -1, producerEpoch: -1)
        }
        if request.transactionalId != nil {
            return InitProducerIdResponse(errorCode: KafkaErrorCode.coordinatorNotAvailable.rawValue, producerId: -1, producerEpoch: -1)
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
