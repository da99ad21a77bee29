import KafkaProtocol

extension RequestRouter {
    /// DeleteGroups (v0-2): empty groups and their offsets go (durably); a group with
    /// members gets NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND.
    func deleteGroups(_ request: DeleteGroupsRequest, _ context: RequestContext) -> DeleteGroupsResponse {
        // DELETE on each group (GROUP_AUTHORIZATION_FAILED for the others).
        let deletable = Set(request.groupsNames.filter { isAuthorized(context, .delete, .group, $0) })
        let local = request.groupsNames.filter { deletable.contains($0) && coordinates($0, context) }
        var results = core.groups.deleteGroups(local)
        for groupID in request.groupsNames where !deletable.contains(groupID) { results[groupID] = .groupAuthorizationFailed }
        return DeleteGroupsResponse(
            results: request.groupsNames.map { groupID in
                .init(groupId: groupID, errorCode: (results[groupID] ?? .notCoordinator).rawValue)
            })
    }
}
