import KafkaProtocol

extension RequestRouter {
    /// DescribeGroups (v0-6): state, protocol and members of each group; NOT_COORDINATOR
    /// for the groups another node coordinates.
    func describeGroups(_ request: DescribeGroupsRequest, _ context: RequestContext) -> DescribeGroupsResponse {
        DescribeGroupsResponse(
            groups: request.groups.map { groupID in
                guard isAuthorized(context, .describe, .group, groupID) else {
                    return .init(errorCode: KafkaErrorCode.groupAuthorizationFailed.rawValue, groupId: groupID)
                }
                guard coordinates(groupID, context) else {
                    return .init(errorCode: KafkaErrorCode.notCoordinator.rawValue, groupId: groupID)
                }
                let includeOperations = context.version >= 3 && request.includeAuthorizedOperations
                var described = core.groups.describeGroup(groupID, version: context.version, includeOperations: includeOperations)
                if includeOperations { described.authorizedOperations = authorizedOperations(context, .group, groupID) }
                return described
            })
    }
}
