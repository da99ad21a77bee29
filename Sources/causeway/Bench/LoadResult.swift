/// What `causeway bench produce` reports to `causeway bench link` (as JSON in a file).
struct LoadResult: Codable, Sendable {
    var batches: Int
    var records: Int
    /// Record batch bytes as sent (compressed), the bytes the link mirrors.
    var bytes: Int
    /// Seconds from the first send to the last acknowledgement.
    var seconds: Double
    /// The next offset of every partition once everything was acknowledged: where the
    /// destination must end for the link to have caught up.
    var endOffsets: [Int64]
    /// Produce request round trips to the source, milliseconds.
    var produceRoundTrip: Percentiles?
    /// Produce on the source to readable on the destination, milliseconds, batches sent
    /// after the warm-up only.
    var replication: Percentiles?
    /// Batches sent after the warm-up that the destination reader never saw.
    var unseenBatches: Int?
    /// The most a send started after its scheduled time, milliseconds: a paced run whose
    /// generator could not keep its rate says so here.
    var maximumLateness: Double?
}

/// Percentiles of a set of samples (nearest rank), in the samples' unit.
struct Percentiles: Codable, Sendable {
    var count: Int
    var p50: Double
    var p90: Double
    var p99: Double
    var max: Double

    init?(_ samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        func rank(_ fraction: Double) -> Double {
            sorted[Swift.min(sorted.count - 1, Swift.max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))]
        }
        count = sorted.count
        p50 = rank(0.50)
        p90 = rank(0.90)
        p99 = rank(0.99)
        max = sorted[sorted.count - 1]
    }
}
