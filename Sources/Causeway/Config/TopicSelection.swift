/// Which source topics a link mirrors.
///
/// A topic is mirrored when an `include` rule matches it and no `exclude` rule does: exclude
/// wins. Internal topics, whose names start with `__` (`__consumer_offsets`,
/// `__transaction_state`, Causeway's own), are never matched by a prefix or regex; only a
/// literal `name:` include selects one, and an exclude still wins over it.
///
/// The selection is read again every ``discoveryInterval``, so topics created later that match
/// are mirrored from their first offset, and a rule change takes effect on restart.
public struct TopicSelection: Hashable, Sendable {
    /// At least one is required: a link that mirrors nothing is a mistake, not a default.
    public var include: [SelectionRule]
    public var exclude: [SelectionRule]
    /// How often the source's topic list is listed to find new topics, and new partitions of
    /// mirrored ones. Default 5 s, at least 100 ms.
    public var discoveryInterval: Duration

    public static let defaultDiscoveryInterval: Duration = .seconds(5)

    public init(
        include: [SelectionRule], exclude: [SelectionRule] = [],
        discoveryInterval: Duration = TopicSelection.defaultDiscoveryInterval
    ) {
        self.include = include
        self.exclude = exclude
        self.discoveryInterval = discoveryInterval
    }

    /// True if the link mirrors `topic`.
    public func matches(_ topic: String) -> Bool {
        SelectionRule.select(topic, include: include, exclude: exclude)
    }
}
