/// How far a partition mirror is behind its source.
public struct MirrorLag: Hashable, Sendable {
    /// Source high watermark minus destination log end (never negative).
    public var records: Int64
    /// Bytes of source batches fetched but not yet acknowledged by the destination.
    public var bytes: Int

    public init(records: Int64, bytes: Int) {
        self.records = records
        self.bytes = bytes
    }
}
