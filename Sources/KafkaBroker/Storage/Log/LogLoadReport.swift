/// What opening a partition log found and did, for the broker's log and for tests.
public struct LogLoadReport: Hashable, Sendable {
    /// The log was closed cleanly last time, so no segment was scanned.
    public var cleanShutdown = false
    /// Segments scanned batch by batch because they may hold unflushed data.
    public var recoveredSegments = 0
    /// Trusted segments whose index files were missing or inconsistent and were rebuilt
    /// by a scan.
    public var rebuiltIndexes = 0
    /// Bytes of valid batches read by those scans.
    public var scannedBytes = 0
    /// Bytes cut from torn or corrupt segment tails.
    public var truncatedBytes = 0
    /// Whole segments removed: after a truncated one, or below the log start offset.
    public var deletedSegments = 0
    /// One line per notable event (truncation and why, ignored checkpoint, ...).
    public var notes: [String] = []

    public init() {}
}
