import KafkaProtocol

extension RequestRouter {
    /// FindCoordinator (v0-6; v4+ batches keys, KIP-699).
    ///
    /// Group keys (key type 0) are answered with the node that coordinates the group
    /// (`GroupCoordinator.coordinatorNode(for:)`), except the very first lookup on a
    /// fresh data directory, which gets COORDINATOR_NOT_AVAILABLE as from a real broker
    /// creating `__consumer_offsets` (FINDINGS g). Transaction keys (type 1) get the node
    /// that coordinates the transactional id (`transactionCoordinatorNode(for:)`); other
    /// types INVALID_REQUEST.
    ///
    /// It was served before groups were because librdkafka (kcat, confluent-kafka)
    /// enables LZ4 only when the broker advertises FindCoordinator v0 (its "LZ4" feature
    /// check).
    func findCoordinator(_ request: FindCoordinatorRequest, _ context: RequestContext) -> FindCoordinatorResponse {
        let keys = context.version >= 4 ? request.coordinatorKeys : [request.key]
        // One lookup per request, so that a batch of group keys is answered alike.
        let groupsAvailable = request.keyType == 0 ? core.groups.coordinatorIsAvailable() : false
        let answers = keys.map { key -> (code: KafkaErrorCode, node: Int32, host: String, port: Int32) in
            let unavailable = (KafkaErrorCode.coordinatorNotAvailable, Int32(-1), "", Int32(-1))
            switch request.keyType {
            case 0 where !isAuthorized(context, .describe, .group, key):
                return (.groupAuthorizationFailed, -1, "", -1)
            case 1 where !isAuthorized(context, .describe, .transactionalID, key):
                return (.transactionalIdAuthorizationFailed, -1, "", -1)
            case 0:
                guard groupsAvailable else { return unavailable }
                let node = core.groups.coordinatorNode(for: key)
                guard let endpoint = core.endpoint(of: node, listener: context.listener) else { return unavailable }
                return (.none, node, endpoint.host, Int32(endpoint.port))
            case 1:
                let node = core.transactionCoordinatorNode(for: key)
                guard let endpoint = core.endpoint(of: node) else { return unavailable }
                return (.none, node, endpoint.host, Int32(endpoint.port))
            default:
                return (.invalidRequest, -1, "", -1)
            }
        }
        if context.version >= 4 {
            return FindCoordinatorResponse(
                coordinators: zip(keys, answers).map { key, answer in
                    .init(
                        key: key, nodeId: answer.node, host: answer.host, port: answer.port, errorCode: answer.code.rawValue,
                        errorMessage: answer.code == .none ? "" : answer.code.message)
                })
        }
        let answer = answers[0]
        // Before v4 Kafka sends the error's name as the message of a success ("NONE").
        return FindCoordinatorResponse(
            errorCode: answer.code.rawValue, errorMessage: answer.code == .none ? "NONE" : answer.code.message,
            nodeId: answer.node, host: answer.host, port: answer.port)
    }
}
