import KafkaProtocol

extension GroupCoordinator {
    /// ListGroups of the groups `node` coordinates.
    func listGroups(node: Int32, states: [String], types: [String]) -> [ListGroupsResponse.ListedGroup] {
        withState { $0.listGroups(states: states, types: types) }.filter { coordinatorNode(for: $0.groupId) == node }
    }

    func describeGroup(_ groupID: String, version: Int16, includeOperations: Bool) -> DescribeGroupsResponse.DescribedGroup {
        withState { $0.describeGroup(groupID, version: version, includeOperations: includeOperations) }
    }

    /// DeleteGroups: each group must exist and be empty; its offsets go with it. The
    /// tombstones are durable before the groups disappear.
    func deleteGroups(_ groupIDs: [String]) -> [String: KafkaErrorCode] {
        let result = write { state, _, store -> [String: KafkaErrorCode] in
            var errors: [String: KafkaErrorCode] = [:]
            var tombstones: [OffsetStoreRecord] = []
            for groupID in groupIDs {
                if let error = state.deleteGroupError(groupID) {
                    errors[groupID] = error
                } else if errors[groupID] == nil {
                    errors[groupID] = KafkaErrorCode.none
                    tombstones.append(.groupDelete(groupID: groupID))
                }
            }
            do {
                try store(tombstones)
            } catch {
                return errors.mapValues { $0 == .none ? .coordinatorNotAvailable : $0 }
            }
            state.apply(tombstones: tombstones)
            return errors
        }
        return result ?? Dictionary(groupIDs.map { ($0, KafkaErrorCode.coordinatorNotAvailable) }) { first, _ in first }
    }
}
