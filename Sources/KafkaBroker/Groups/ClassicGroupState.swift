/// The states of a classic consumer group, with Kafka's names (DescribeGroups and
/// ListGroups report them as they are spelled here).
///
/// ```
///            join                 all joined / timeout        leader's SyncGroup
///   Empty ----------> PreparingRebalance ----------> CompletingRebalance ----------> Stable
///     ^                   ^  |  (no members left)             |                        |
///     +-------------------|--+                                | join, leave, expiry    |
///                         +-------------------------------------+------------------------+
///   Dead: deleted (DeleteGroups, or empty with no offsets left after expiry).
/// ```
enum ClassicGroupState: String, Sendable, CaseIterable {
    case empty = "Empty"
    case preparingRebalance = "PreparingRebalance"
    case completingRebalance = "CompletingRebalance"
    case stable = "Stable"
    case dead = "Dead"

    /// The states a group may enter this one from (Kafka's `validPreviousStates`).
    var validPreviousStates: Set<ClassicGroupState> {
        switch self {
        case .empty: return [.preparingRebalance]
        case .preparingRebalance: return [.stable, .completingRebalance, .empty]
        case .completingRebalance: return [.preparingRebalance]
        case .stable: return [.completingRebalance]
        case .dead: return [.stable, .preparingRebalance, .completingRebalance, .empty, .dead]
        }
    }
}
