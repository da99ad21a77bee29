/// Which consumer groups' committed offsets a link copies to its destinations (for DR and
/// migration: consumers move across and resume at the same offsets, no translation).
///
/// The same rules as ``TopicSelection``: include, then exclude wins, and `__` names only by a
/// literal include. Unlike topics, an empty include is valid: it means no offsets are copied.
public struct GroupSelection: Hashable, Sendable {
    public var include: [SelectionRule]
    public var exclude: [SelectionRule]
    /// How often committed offsets are read on the source and committed on the destinations.
    /// Default 5 s, at least 100 ms. This bounds how far a consumer re-reads after failover.
    public var syncInterval: Duration

    public static let defaultSyncInterval: Duration = .seconds(5)

    public init(
        include: [SelectionRule] = [], exclude: [SelectionRule] = [],
        syncInterval: Duration = GroupSelection.defaultSyncInterval
    ) {
        self.include = include
        self.exclude = exclude
        self.syncInterval = syncInterval
    }

    /// True if the link copies the offsets of consumer group `group`.
    public func matches(_ group: String) -> Bool {
        SelectionRule.select(group, include: include, exclude: exclude)
    }
}
