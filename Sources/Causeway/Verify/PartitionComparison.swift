import KafkaClient

/// How one partition of the destination compares with the source, offset by offset.
public struct PartitionComparison: Sendable {
    /// One offset where the two sides disagree.
    public struct Difference: Hashable, Sendable, CustomStringConvertible {
        public enum Kind: Hashable, Sendable {
            /// The source has a record here and the destination does not.
            case missing
            /// The destination has a record the source does not.
            case extra
            /// Both have a record here, and they differ in the named field.
            case mismatch(field: String)
        }

        public var offset: Int64
        public var kind: Kind
        public var detail: String

        public var description: String {
            switch kind {
            case .missing: return "offset \(offset): missing on the destination (\(detail))"
            case .extra: return "offset \(offset): extra on the destination (\(detail))"
            case .mismatch(let field): return "offset \(offset): \(field) differs (\(detail))"
            }
        }
    }

    public var partition: TopicPartitionID
    public var sourceLogStart: Int64 = 0
    public var sourceHighWatermark: Int64 = 0
    public var destinationLogStart: Int64 = 0
    public var destinationHighWatermark: Int64 = 0
    /// Batches whose bytes 21..end are identical at the same base offset.
    public var identicalBatches = 0
    /// Source batches that arrived with different bytes but the same records.
    public var recordIdenticalBatches = 0
    /// Records compared (data records, control markers and fillers).
    public var comparedRecords: Int64 = 0
    /// Filler records on the destination standing in for offsets the source no longer has.
    public var fillers: Int64 = 0
    public var missing: Int64 = 0
    public var extra: Int64 = 0
    /// Source offsets past the destination's log end (``PartitionVerifier/compareMirror(_:upTo:)``
    /// only): the mirror is behind, which is not a difference.
    public var lag: Int64 = 0
    public var mismatched: Int64 = 0
    /// The first differences found, at most `PartitionVerifier.maximumReportedDifferences`.
    public var differences: [Difference] = []

    public init(partition: TopicPartitionID) {
        self.partition = partition
    }

    public var isIdentical: Bool { missing == 0 && extra == 0 && mismatched == 0 }

    /// The fidelity reached: every batch byte-identical, or identical in records.
    public var fidelity: String {
        if !isIdentical { return "different" }
        if recordIdenticalBatches == 0 && fillers == 0 { return "exact" }
        return fillers > 0 ? "filled" : "records"
    }

    mutating func record(_ difference: Difference) {
        switch difference.kind {
        case .missing: missing += 1
        case .extra: extra += 1
        case .mismatch: mismatched += 1
        }
        if differences.count < PartitionVerifier.maximumReportedDifferences {
            differences.append(difference)
        }
    }
}
