/// A committed offset of one partition for one group (Kafka's `OffsetAndMetadata`).
struct CommittedOffset: Hashable, Sendable {
    var offset: Int64
    /// -1 when the client did not say.
    var leaderEpoch: Int32
    /// Free text from the client; a null in the request is stored as "".
    var metadata: String
    /// When the coordinator accepted it (wall clock, ms).
    var commitTimestamp: Int64
    /// Only for OffsetCommit v2-4 with an explicit retention time: when it expires.
    var expireTimestamp: Int64?
}
