/// The names of the files in a partition directory.
///
/// Segment files are named by their base offset in 20 zero-padded digits, as in Kafka
/// (`00000000000000000000.log`, `.index`, `.timeindex`), so a directory listing sorts
/// by offset.
enum LogFileNames {
    static let logSuffix = ".log"
    static let offsetIndexSuffix = ".index"
    static let timeIndexSuffix = ".timeindex"
    /// Half-written files of an atomic write; removed when a log is opened.
    static let temporarySuffix = ".tmp"
    /// A partition directory being deleted (Kafka renames it the same way first, so a
    /// crash mid-delete never leaves a half-deleted log that looks live).
    static let deletedDirectorySuffix = "-delete"
    /// Log start offset and recovery point of the partition (see ``PartitionCheckpoint``).
    static let checkpoint = "partition.checkpoint"
    /// Written by a clean close, removed on open: its presence means no recovery is needed.
    static let cleanShutdownMarker = ".clean-shutdown"

    /// `00000000000000000042` for 42.
    static func segmentStem(_ baseOffset: Int64) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    static func logFile(_ baseOffset: Int64) -> String { segmentStem(baseOffset) + logSuffix }
    static func offsetIndexFile(_ baseOffset: Int64) -> String { segmentStem(baseOffset) + offsetIndexSuffix }
    static func timeIndexFile(_ baseOffset: Int64) -> String { segmentStem(baseOffset) + timeIndexSuffix }

    /// The base offset of a segment file name with the given suffix, or nil.
    static func baseOffset(ofFile name: String, suffix: String) -> Int64? {
        guard name.hasSuffix(suffix) else { return nil }
        let stem = name.dropLast(suffix.count)
        guard stem.count == 20, stem.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(stem)
    }
}
