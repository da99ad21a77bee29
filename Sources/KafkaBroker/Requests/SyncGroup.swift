import KafkaProtocol

extension RequestRouter {
    /// SyncGroup (v0-5): the leader hands in the assignment; followers park until it does.
    func syncGroup(_ request: SyncGroupRequest, _ context: RequestContext) async -> SyncGroupResponse {
        guard isAuthorized(context, .read, .group, request.groupId) else {
            return SyncGroupResponse(errorCode: KafkaErrorCode.groupAuthorizationFailed.rawValue)
        }
        guard coordinates(request.groupId, context) else {
            return SyncGroupResponse(errorCode: KafkaErrorCode.notCoordinator.rawValue)
        }
        return await core.groups.sync(request)
    }
}
