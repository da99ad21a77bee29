/// How close a mirrored partition is to its source, from best to worst (DESIGN.md,
/// fidelity table). A partition reports the worst class any of its batches needed.
///
/// - `exact`: every batch written with bytes 21..end (CRC included) identical to the
///   source; only baseOffset and partitionLeaderEpoch differ, as between two replicas.
/// - `records`: same offsets and same records (keys, values, headers, timestamps as a
///   consumer reads them), but some batch headers differ: a LogAppendTime batch sent
///   as CreateTime, a batch trimmed at a log start, a producer id removed, a transaction
///   replayed under Causeway's producer id.
/// - `filled`: same offsets, same records, plus filler records (tombstones of
///   `FillerRecord.key`) at offsets the source no longer holds: compaction holes, gaps,
///   orphan transaction markers, offsets lost to source retention.
public enum Fidelity: Int, Comparable, Sendable, CaseIterable, CustomStringConvertible {
    case exact = 0
    case records = 1
    case filled = 2

    public static func < (lhs: Fidelity, rhs: Fidelity) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String {
        switch self {
        case .exact: "exact"
        case .records: "records"
        case .filled: "filled"
        }
    }
}
