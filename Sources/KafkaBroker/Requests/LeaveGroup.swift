import KafkaProtocol

extension RequestRouter {
    /// LeaveGroup: one member (v0-2) or a batch (v3+, KIP-345). Before v3 the response
    /// has only the top-level error, which then carries the member's error, as Kafka's
    /// `LeaveGroupResponse` does for old versions.
    func leaveGroup(_ request: LeaveGroupRequest, _ context: RequestContext) -> LeaveGroupResponse {
        let version = context.version
        guard isAuthorized(context, .read, .group, request.groupId) else {
            return LeaveGroupResponse(errorCode: KafkaErrorCode.groupAuthorizationFailed.rawValue)
        }
        guard coordinates(request.groupId, context) else {
            return LeaveGroupResponse(errorCode: KafkaErrorCode.notCoordinator.rawValue)
        }
        let identities = version >= 3 ? request.members : [.init(memberId: request.memberId, groupInstanceId: nil)]
        let (error, members) = core.groups.leave(groupID: request.groupId, members: identities)
        if version >= 3 {
            return LeaveGroupResponse(errorCode: error.rawValue, members: members)
        }
        let memberError = members.first { $0.errorCode != 0 }?.errorCode ?? 0
        return LeaveGroupResponse(errorCode: error == .none ? memberError : error.rawValue)
    }
}
