/// Where a new mirror starts copying a source partition.
///
/// Applies only to partitions with no mirror yet. A partition already mirrored resumes at its
/// destination's log end offset, whatever this says: the destination's log end *is* the
/// checkpoint (DESIGN.md, "How offsets survive").
///
/// In YAML: `earliest`, `latest`, or `{timestamp: 2024-05-01T00:00:00Z}` (RFC 3339 with a
/// zone offset) or `{timestamp: 1714521600000}` (epoch milliseconds).
///
/// Whatever the start, offsets stay identical: a mirror that starts at source offset N writes
/// filler records for offsets below N and then deletes them (DeleteRecords), so the
/// destination's first readable record is at N, as in the source.
public enum StartPosition: Hashable, Sendable, CustomStringConvertible {
    /// The partition's log start offset: everything the source still holds. The default.
    case earliest
    /// The partition's high watermark when the mirror starts: only records produced from then on.
    case latest
    /// The first offset whose timestamp is at or after this time (Kafka's ListOffsets by
    /// timestamp); `latest` for partitions with nothing that recent.
    case timestamp(millisecondsSinceEpoch: Int64)

    public var description: String {
        switch self {
        case .earliest: "earliest"
        case .latest: "latest"
        case .timestamp(let milliseconds): "timestamp \(milliseconds)"
        }
    }

    static let expected = "earliest, latest, or a mapping {timestamp: <RFC 3339 time with zone, or epoch milliseconds>}"
}
