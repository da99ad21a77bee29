import KafkaProtocol

extension RequestRouter {
    /// The error a transactional request gets before the coordinator sees it: an empty
    /// transactional id is INVALID_REQUEST, a node that does not coordinate the id
    /// NOT_COORDINATOR (the client looks the coordinator up again).
    func transactionCoordinatorError(_ transactionalId: String, _ context: RequestContext) -> KafkaErrorCode? {
        if transactionalId.isEmpty { return .invalidRequest }
        guard core.transactionCoordinatorNode(for: transactionalId) == context.nodeID else { return .notCoordinator }
        return nil
    }

    /// PRODUCER_FENCED came with KIP-588; older request versions get INVALID_PRODUCER_EPOCH
    /// in its place, as Kafka's `KafkaApis` answers them.
    static func producerFencedForVersion(_ code: KafkaErrorCode, version: Int16, firstVersionWithFenced: Int16) -> KafkaErrorCode {
        code == .producerFenced && version < firstVersionWithFenced ? .invalidProducerEpoch : code
    }
}
