/// One figure a benchmark run reports, with the target it is held to, if any.
struct BenchMetric: Codable, Sendable {
    /// A stable name for machine output (`cpu_seconds_per_gb`).
    var key: String
    /// What a person reads in the table.
    var label: String
    var unit: String
    var value: Double
    var target: Target?

    struct Target: Codable, Sendable {
        enum Bound: String, Codable, Sendable {
            case atMost = "at most"
            case below
        }

        var bound: Bound
        var limit: Double

        func isMet(by value: Double) -> Bool {
            switch bound {
            case .atMost: value <= limit
            case .below: value < limit
            }
        }

        var description: String { "\(bound.rawValue) \(BenchMetric.format(limit))" }
    }

    init(_ key: String, _ label: String, _ value: Double, _ unit: String, target: Target? = nil) {
        self.key = key
        self.label = label
        self.unit = unit
        self.value = value
        self.target = target
    }

    /// Three significant digits, no exponent.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let magnitude = abs(value)
        let decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3
        return String(format: "%.\(decimals)f", value)
    }
}

/// The same metric over several runs: median and spread.
struct BenchSummary: Codable, Sendable {
    var key: String
    var label: String
    var unit: String
    var median: Double
    var minimum: Double
    var maximum: Double
    var values: [Double]
    var target: BenchMetric.Target?
    /// Whether the median meets the target; nil without one.
    var met: Bool?

    /// One summary per metric of the first run, in its order.
    static func of(_ runs: [[BenchMetric]]) -> [BenchSummary] {
        guard let first = runs.first else { return [] }
        return first.map { metric in
            let values = runs.compactMap { run in run.first { $0.key == metric.key }?.value }
            let sorted = values.sorted()
            // The median of an even count is the mean of the middle two.
            let middle = sorted.count / 2
            let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
            return BenchSummary(
                key: metric.key, label: metric.label, unit: metric.unit, median: median, minimum: sorted.first!,
                maximum: sorted.last!, values: values, target: metric.target, met: metric.target?.isMet(by: median))
        }
    }
}
