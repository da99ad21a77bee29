import KafkaProtocol

/// Identifies one parked JoinGroup or SyncGroup request inside the coordinator.
typealias GroupRequestID = UInt64

/// What the group state machines ask the coordinator to do after an event.
enum GroupAction: Sendable, Equatable {
    /// Answer a parked JoinGroup.
    case completeJoin(GroupRequestID, JoinGroupResponse)
    /// Answer a parked SyncGroup.
    case completeSync(GroupRequestID, SyncGroupResponse)
    /// The group's durable part (protocol type, generation) changed: store it.
    case storeGroupMetadata(groupID: String)
}
