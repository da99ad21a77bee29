/// How Causeway writes to each destination.
///
/// Not configurable on purpose: `acks` is always `all`. The destination's log end offset is the
/// mirror's checkpoint, and with fewer acks a leader change can truncate records the mirror
/// already counted as written.
public struct ProduceTuning: Hashable, Sendable {
    /// Produce requests in flight per destination partition. Default 1, at most 5.
    ///
    /// 1 because most source batches are not idempotent (producer id -1) and so carry no
    /// sequence number: if request N fails with a retriable error while N+1 is in flight,
    /// N+1 lands at N's offset. The offset check catches it, but only by stopping the
    /// partition as DIVERGED. With one in flight a retry is always safe. Raise it only for
    /// high-latency links, knowing that a retriable produce error then costs a DIVERGED
    /// partition unless the batches carry sequence numbers (idempotent source producers).
    public var maxInFlightPerPartition: Int
    /// Bytes of fetched batches held for one destination, waiting to be written, before the
    /// source fetches for it pause. Default 128 MiB; at least `fetch.maxBytes`, since one fetch
    /// response must fit. A slow destination stalls only its own share (with fan-out, the
    /// others go on until their own buffers fill).
    public var bufferBytes: Int
    /// transaction.timeout.ms of the destination transactions that replay source
    /// transactions. Default 60 s. A daemon restarted within it continues an interrupted
    /// replay; a longer outage leaves that partition DIVERGED (the destination aborts the
    /// transaction). Longer values also hold back read_committed consumers of the mirror
    /// longer after a crash. Must not exceed the destination's max.transaction.timeout.ms
    /// (15 minutes by default).
    public var transactionTimeout: Duration

    public static let defaultMaxInFlightPerPartition = 1
    public static let maximumInFlightPerPartition = 5
    /// 128 MiB: on the loopback benchmark (16 partitions) 64 MiB held the link to 111 MB/s,
    /// 128 MiB gave 153 MB/s for 6 MB more resident memory (Docs/benchmarks.md).
    public static let defaultBufferBytes = 128 * 1_048_576
    public static let defaultTransactionTimeout: Duration = .seconds(60)

    public init(
        maxInFlightPerPartition: Int = ProduceTuning.defaultMaxInFlightPerPartition,
        bufferBytes: Int = ProduceTuning.defaultBufferBytes,
        transactionTimeout: Duration = ProduceTuning.defaultTransactionTimeout
    ) {
        self.maxInFlightPerPartition = maxInFlightPerPartition
        self.bufferBytes = bufferBytes
        self.transactionTimeout = transactionTimeout
    }
}
