/// When a partition log forces its data to disk (fsync).
///
/// Kafka's `flush.messages` and `flush.ms`; either, both or neither may be set. Kafka's
/// default is neither: durability comes from replication and the OS writes pages back
/// on its own. A single-node embedded broker that must not lose an acknowledged write
/// uses ``everyWrite``.
public struct FlushPolicy: Hashable, Sendable {
    /// Flush once this many messages (offsets) are unflushed (`flush.messages`).
    public var messages: Int64?
    /// Flush when there is unflushed data and the last flush is this long ago
    /// (`flush.ms`), checked on append and by ``PartitionLog/flushIfDue()``.
    public var interval: Duration?

    public init(messages: Int64? = nil, interval: Duration? = nil) {
        self.messages = messages
        self.interval = interval
    }

    /// fsync before every append returns (`flush.messages=1`).
    public static let everyWrite = FlushPolicy(messages: 1)
    /// Leave flushing to the OS (Kafka's default).
    public static let never = FlushPolicy()
    /// fsync once `count` messages are unflushed.
    public static func everyMessages(_ count: Int64) -> FlushPolicy { FlushPolicy(messages: count) }
    /// fsync unflushed data once the last flush is `interval` ago.
    public static func every(_ interval: Duration) -> FlushPolicy { FlushPolicy(interval: interval) }

    /// Whether a flush is due with `unflushedMessages` offsets written since the last one,
    /// which happened `millisecondsSinceFlush` ago. Pure, so it is tested on its own.
    func isDue(unflushedMessages: Int64, millisecondsSinceFlush: Int64) -> Bool {
        guard unflushedMessages > 0 else { return false }
        if let messages, unflushedMessages >= messages { return true }
        if let interval, millisecondsSinceFlush >= interval.milliseconds { return true }
        return false
    }
}
