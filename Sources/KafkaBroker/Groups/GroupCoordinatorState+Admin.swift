import KafkaProtocol

extension GroupCoordinatorState {
    /// ListGroups: every group, or those in one of `states` (v4+, KIP-518) and of one of
    /// `types` (v5+, KIP-848; every group here is "classic"). Filters compare without case.
    func listGroups(states: [String], types: [String]) -> [ListGroupsResponse.ListedGroup] {
        let wantedStates = Set(states.map { $0.lowercased() })
        let wantedTypes = Set(types.map { $0.lowercased() })
        return groups.keys.sorted().compactMap { groupID in
            let group = groups[groupID]!
            if !wantedStates.isEmpty && !wantedStates.contains(group.state.rawValue.lowercased()) { return nil }
            if !wantedTypes.isEmpty && !wantedTypes.contains("classic") { return nil }
            return .init(
                groupId: groupID, protocolType: group.protocolType ?? "", groupState: group.state.rawValue, groupType: "classic")
        }
    }

    /// DescribeGroups of one group. Member metadata and assignments, and the protocol,
    /// only in Stable (as Kafka). A group that does not exist is "Dead" with no error
    /// before v6, GROUP_ID_NOT_FOUND from v6 (KIP-1043).
    func describeGroup(_ groupID: String, version: Int16, includeOperations: Bool) -> DescribeGroupsResponse.DescribedGroup {
        let operations: Int32 = includeOperations ? Self.allGroupOperations : Int32.min
        guard let group = groups[groupID], group.state != .dead else {
            if version >= 6 {
                return .init(
                    errorCode: KafkaErrorCode.groupIdNotFound.rawValue, errorMessage: "Group \(groupID) not found.",
                    groupId: groupID, groupState: ClassicGroupState.dead.rawValue, authorizedOperations: operations)
            }
            return .init(groupId: groupID, groupState: ClassicGroupState.dead.rawValue, authorizedOperations: operations)
        }
        let stable = group.state == .stable
        let members = group.memberOrder.compactMap { group.members[$0] }.map { member in
            DescribeGroupsResponse.DescribedGroupMember(
                memberId: member.memberID, groupInstanceId: member.groupInstanceID, clientId: member.clientID,
                clientHost: member.clientHost, memberMetadata: stable ? member.metadata(for: group.protocolName) : [],
                memberAssignment: stable ? member.assignment : [])
        }
        return .init(
            groupId: groupID, groupState: group.state.rawValue, protocolType: group.protocolType ?? "",
            protocolData: stable ? (group.protocolName ?? "") : "", members: members, authorizedOperations: operations)
    }

    /// READ, DELETE, DESCRIBE as a bit set: without an authorizer everything a group
    /// supports is allowed.
    static let allGroupOperations: Int32 = [3, 6, 8].reduce(0) { $0 | (1 << $1) }

    /// Whether DeleteGroups may delete the group: it must exist and have no members.
    func deleteGroupError(_ groupID: String) -> KafkaErrorCode? {
        if groupID.isEmpty { return .invalidGroupId }
        guard let group = groups[groupID], group.state != .dead else { return .groupIdNotFound }
        return group.state == .empty ? nil : .nonEmptyGroup
    }
}
