import Synchronization

/// Counters of a running link, shared by its parts and read by status and tests.
final class LinkCounters: Sendable {
    /// Record bytes received from the source, all partitions: each fetched batch counts
    /// once, however many destinations it serves.
    let fetchedBytes = Atomic<Int64>(0)
}
