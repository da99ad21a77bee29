import KafkaProtocol

extension RequestRouter {
    /// ListGroups (v0-5): the groups this node coordinates (admin clients ask every
    /// node), filtered by state (v4+) and type (v5+).
    func listGroups(_ request: ListGroupsRequest, _ context: RequestContext) -> ListGroupsResponse {
        let version = context.version
        let groups = core.groups.listGroups(
            node: context.nodeID, states: version >= 4 ? request.statesFilter : [], types: version >= 5 ? request.typesFilter : [])
        // DESCRIBE on the cluster lists every group; otherwise those the principal may DESCRIBE.
        if isAuthorizedOnCluster(context, .describe, logIfDenied: false) {
            return ListGroupsResponse(errorCode: 0, groups: groups)
        }
        return ListGroupsResponse(
            errorCode: 0, groups: groups.filter { isAuthorized(context, .describe, .group, $0.groupId, logIfDenied: false) })
    }
}
