import KafkaProtocol

extension RequestRouter {
    /// FindCoordinator, until consumer groups and transactions are served:
    /// COORDINATOR_NOT_AVAILABLE, the answer a real broker gives while its coordinator
    /// is not loaded (FINDINGS g), so clients retry rather than send group requests this
    /// broker would refuse.
    ///
    /// It is served at all because librdkafka (kcat, confluent-kafka) enables LZ4 only
    /// when the broker advertises FindCoordinator v0 (its "LZ4" feature check); without
    /// it, those clients silently stop compressing lz4 batches.
    func findCoordinator(_ request: FindCoordinatorRequest, _ context: RequestContext) -> FindCoordinatorResponse {
        let code = KafkaErrorCode.coordinatorNotAvailable
        if context.version >= 4 {
            let keys = request.coordinatorKeys.isEmpty ? [request.key] : request.coordinatorKeys
            return FindCoordinatorResponse(
                coordinators: keys.map { .init(key: $0, nodeId: -1, host: "", port: -1, errorCode: code.rawValue, errorMessage: code.message) })
        }
        return FindCoordinatorResponse(errorCode: code.rawValue, errorMessage: code.message, nodeId: -1, host: "", port: -1)
    }
}
