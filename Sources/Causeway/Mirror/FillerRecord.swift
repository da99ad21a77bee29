import KafkaProtocol
import NIOCore

/// The record Causeway writes at an offset the source does not hold.
///
/// A stock Kafka broker assigns offsets itself, so the only way to keep an offset
/// empty on the destination is to put something there. The filler is chosen so that
/// it disappears where it can and is harmless where it cannot:
///
/// - key `__causeway.filler` (UTF-8, 17 bytes): one reserved key for every filler of
///   every partition. Compacted topics reject null keys (KAFKA-RULES "What the broker
///   checks", rule 8), and one key means compaction keeps at most one of them.
/// - value null: a tombstone, so the log cleaner removes even that one after
///   `delete.retention.ms`, and a table built from the topic never holds the key.
/// - no headers, attributes 0.
/// - timestamp -1 (no timestamp): the broker does not validate it against
///   `message.timestamp.before/after.max.ms` (rule 9), a filler-only batch does not
///   move the time index, and time-based retention is decided by the real records.
///
/// Consumers of a mirror see fillers until compaction (or retention) removes them;
/// applications that read mirrors of compacted topics with holes should skip this key.
/// Documented in DESIGN.md's fidelity table as the `filled` class.
public enum FillerRecord {
    /// The reserved key, as a string.
    public static let keyString = "__causeway.filler"

    /// The reserved key's bytes.
    public static let key = ByteBuffer(string: keyString)

    /// The timestamp of a filler: -1, "no timestamp", which brokers do not validate.
    public static let timestamp: Int64 = -1

    /// A filler record at `offsetDelta` in a batch whose baseTimestamp is `baseTimestamp`
    /// (the delta makes its absolute timestamp -1).
    public static func record(offsetDelta: Int32, baseTimestamp: Int64) -> Record {
        Record(key: key, value: nil, timestampDelta: timestamp &- baseTimestamp, offsetDelta: offsetDelta)
    }

    /// Whether `record` is a filler written by Causeway.
    public static func isFiller(_ record: Record) -> Bool {
        record.value == nil && record.key == key
    }
}
