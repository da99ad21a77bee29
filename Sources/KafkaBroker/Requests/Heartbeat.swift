import KafkaProtocol

extension RequestRouter {
    /// Heartbeat (v0-4): keeps a member's session; REBALANCE_IN_PROGRESS asks it to rejoin.
    func heartbeat(_ request: HeartbeatRequest, _ context: RequestContext) -> HeartbeatResponse {
        guard isAuthorized(context, .read, .group, request.groupId) else {
            return HeartbeatResponse(errorCode: KafkaErrorCode.groupAuthorizationFailed.rawValue)
        }
        guard coordinates(request.groupId, context) else {
            return HeartbeatResponse(errorCode: KafkaErrorCode.notCoordinator.rawValue)
        }
        return HeartbeatResponse(errorCode: core.groups.heartbeat(request).rawValue)
    }
}
