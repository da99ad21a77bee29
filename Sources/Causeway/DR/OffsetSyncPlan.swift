import KafkaClient

/// Decides which committed offsets of one group to write on one destination: a pure
/// function of what was read, so the rules are tested without clusters.
///
/// Offsets are not translated: a mirror keeps every record at its source offset, so
/// the source's committed offset names the same record on the destination. The rules:
///
/// 1. Only partitions of topics the link mirrors, and that exist on the destination
///    (a known log end), are synced.
/// 2. The offset is clamped to the destination's log end: a consumer that fails over
///    must never be told to start past what has been mirrored, or it would skip the
///    records still in flight (and later read offsets it never saw).
/// 3. Unclamped, the source's offset is copied exactly, backwards too. Kafka's
///    MirrorMaker 2 only moves destination offsets forward because its translation is
///    approximate (a translated offset may lie below the true one); here the numbers
///    are the true position, and a source group rewound on purpose
///    (`kafka-consumer-groups --reset-offsets`) must resume at the rewound offset.
/// 4. Clamped, an existing destination commit that is already ahead of the clamp is
///    kept: the clamp is only a lower bound imposed by mirror lag, and moving the
///    group back to it would make consumers re-read what they had already passed.
/// 5. A commit equal to what the destination already has (offset and metadata) is
///    not written again.
///
/// The commit metadata string is preserved. The leader epoch is not: epochs are per
/// cluster, and a source epoch on the destination would make KIP-320 clients validate
/// the position against the wrong leader history, so -1 (unknown) is committed.
public struct OffsetSyncPlan: Sendable {
    /// The offsets to commit, by partition.
    public var commits: [TopicPartitionID: GroupOffset] = [:]
    /// Partitions whose offset was lowered to the destination's log end.
    public var clamped: Set<TopicPartitionID> = []
    /// Partitions left as they are because the destination commit is ahead of the clamp.
    public var keptAhead: Set<TopicPartitionID> = []

    public init(
        source: [TopicPartitionID: GroupOffset], destination: [TopicPartitionID: GroupOffset],
        destinationLogEnds: [TopicPartitionID: Int64], isMirrored: (String) -> Bool
    ) {
        for (partition, committed) in source where isMirrored(partition.topic) {
            guard let logEnd = destinationLogEnds[partition] else { continue }
            let existing = destination[partition]
            var target = GroupOffset(offset: committed.offset, leaderEpoch: -1, metadata: committed.metadata)
            if committed.offset > logEnd {
                if let existing, existing.offset >= logEnd {
                    keptAhead.insert(partition)
                    continue
                }
                target.offset = logEnd
                clamped.insert(partition)
            }
            if let existing, existing.offset == target.offset, existing.metadata == target.metadata { continue }
            commits[partition] = target
        }
    }
}
