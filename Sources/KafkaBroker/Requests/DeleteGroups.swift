import KafkaProtocol

extension RequestRouter {
    /// DeleteGroups (v0-2): empty groups and their offsets go (durably); a group with
    /// members gets NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND.
    func deleteGroups(_ request: DeleteGroupsRequest, _ context: RequestContext) -> DeleteGroupsResponse {
        let local = request.groupsNames.filter { coordinates($0, context) }
        let results = core.groups.deleteGroups(local)
        return DeleteGroupsResponse(
            results: request.groupsNames.map { groupID in
                .init(groupId: groupID, errorCode: (results[groupID] ?? .notCoordinator).rawValue)
            })
    }
}
