/// Settings of the group coordinator. Each names the Kafka broker config it stands for;
/// defaults are Kafka 4.0's except where noted.
public struct GroupCoordinatorConfiguration: Sendable {
    /// `group.min.session.timeout.ms`: a JoinGroup with a shorter session timeout gets
    /// INVALID_SESSION_TIMEOUT.
    public var minimumSessionTimeout: Duration = .milliseconds(6000)
    /// `group.max.session.timeout.ms`.
    public var maximumSessionTimeout: Duration = .milliseconds(1_800_000)
    /// `group.initial.rebalance.delay.ms`: how long the first rebalance of an empty group
    /// waits for more members. Kafka's default is 3 s; the broker the conformance corpus
    /// was recorded on used 0 (README "Broker defaults"), and so does this one.
    public var initialRebalanceDelay: Duration = .zero
    /// `group.max.size`.
    public var maximumGroupSize = Int(Int32.max)
    /// How long a new member's JoinGroup may stay parked (Kafka's fixed 5 minutes,
    /// `classicGroupNewMemberJoinTimeoutMs`, KIP-394): a client that gave up must not
    /// keep a rebalance waiting forever.
    public var newMemberJoinTimeout: Duration = .seconds(300)
    /// `offsets.retention.minutes` (7 days): committed offsets of a group that has been
    /// empty this long (or, for a group without members ever, not committed for this long)
    /// are deleted (KIP-211).
    public var offsetsRetention: Duration = .seconds(7 * 24 * 3600)
    /// `offsets.retention.check.interval.ms`.
    public var offsetsRetentionCheckInterval: Duration = .seconds(600)
    /// `offset.metadata.max.bytes`: longer commit metadata gets OFFSET_METADATA_TOO_LARGE.
    public var offsetMetadataMaximumBytes = 4096
    /// `offsets.topic.num.partitions`: groups are spread over the nodes as Kafka spreads
    /// them over the partitions of `__consumer_offsets` (hash of the group id).
    public var offsetsTopicPartitions = 50
    /// A real broker creates `__consumer_offsets` on the first FindCoordinator for a group
    /// and answers COORDINATOR_NOT_AVAILABLE meanwhile (FINDINGS g: kcat's first lookup
    /// gets 15, its retry 0). When true, the first lookup on a data directory that never
    /// held group state answers the same; clients retry. False answers at once.
    public var coordinatorUnavailableOnFirstLookup = true

    public init() {}

    /// Checks the settings once; the error names the key, the value and what is accepted.
    public func validated() throws -> GroupCoordinatorConfiguration {
        func check(_ valid: Bool, _ key: String, _ value: Any, _ accepted: String) throws {
            if !valid { throw BrokerError.invalidConfiguration(key: key, value: "\(value)", accepted: accepted) }
        }
        try check(minimumSessionTimeout > .zero, "group.min.session.timeout.ms", minimumSessionTimeout, "more than 0")
        try check(
            maximumSessionTimeout >= minimumSessionTimeout, "group.max.session.timeout.ms", maximumSessionTimeout,
            "at least group.min.session.timeout.ms")
        try check(initialRebalanceDelay >= .zero, "group.initial.rebalance.delay.ms", initialRebalanceDelay, "0 or more")
        try check(maximumGroupSize >= 1, "group.max.size", maximumGroupSize, "at least 1")
        try check(offsetsRetention > .zero, "offsets.retention.minutes", offsetsRetention, "more than 0")
        try check(offsetMetadataMaximumBytes >= 0, "offset.metadata.max.bytes", offsetMetadataMaximumBytes, "0 or more")
        try check(offsetsTopicPartitions >= 1, "offsets.topic.num.partitions", offsetsTopicPartitions, "at least 1")
        return self
    }
}
