import KafkaProtocol

extension RequestRouter {
    /// DescribeGroups (v0-6): state, protocol and members of each group; NOT_COORDINATOR
    /// for the groups another node coordinates.
    func describeGroups(_ request: DescribeGroupsRequest, _ context: RequestContext) -> DescribeGroupsResponse {
        DescribeGroupsResponse(
            groups: request.groups.map { groupID in
                guard coordinates(groupID, context) else {
                    return .init(errorCode: KafkaErrorCode.notCoordinator.rawValue, groupId: groupID)
                }
                return core.groups.describeGroup(
                    groupID, version: context.version,
                    includeOperations: context.version >= 3 && request.includeAuthorizedOperations)
            })
    }
}
