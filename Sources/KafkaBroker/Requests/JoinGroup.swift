import KafkaProtocol

extension RequestRouter {
    /// JoinGroup (v2-9): parks until the group's join phase ends (`GroupCoordinator`).
    /// A node that does not coordinate the group answers NOT_COORDINATOR, so the client
    /// looks the coordinator up again.
    func joinGroup(_ request: JoinGroupRequest, _ context: RequestContext) async -> JoinGroupResponse {
        guard isAuthorized(context, .read, .group, request.groupId) else {
            return ClassicGroup.joinError(.groupAuthorizationFailed, memberID: request.memberId)
        }
        guard coordinates(request.groupId, context) else {
            return ClassicGroup.joinError(.notCoordinator, memberID: request.memberId)
        }
        return await core.groups.join(
            request, version: context.version, clientID: context.header.clientID ?? "", clientHost: context.clientHost)
    }

    /// Whether the node the client talks to coordinates `groupID` (with one node, always).
    func coordinates(_ groupID: String, _ context: RequestContext) -> Bool {
        core.groups.coordinatorNode(for: groupID) == context.nodeID
    }
}
