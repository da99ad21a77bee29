/// A transaction that ended with an ABORT marker in this partition: its data batches
/// lie in `[firstOffset, lastOffset)` and its marker at `lastOffset` (an entry of
/// Kafka's `.txnindex`, `AbortedTxn`).
struct AbortedTransaction: Hashable, Sendable {
    var producerId: Int64
    var firstOffset: Int64
    /// The offset of the ABORT marker.
    var lastOffset: Int64
}
