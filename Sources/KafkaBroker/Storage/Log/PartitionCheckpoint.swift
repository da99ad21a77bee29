import NIOCore

/// The offsets of a partition log that must survive a restart, in one small file per
/// partition directory (`partition.checkpoint`).
///
/// Kafka keeps the same two numbers in per-data-directory files
/// (`log-start-offset-checkpoint`, `recovery-point-offset-checkpoint`); one file per
/// partition keeps partitions independent, so opening, closing or deleting one log never
/// rewrites another's state. The file is replaced atomically (temporary file, fsync,
/// rename, directory fsync). Format, one item per line:
///
///     0
///     log-start-offset 42
///     recovery-point 1000
struct PartitionCheckpoint: Hashable, Sendable {
    static let version = 0

    /// The first offset readers may see; moved by retention and DeleteRecords.
    var logStartOffset: Int64
    /// Everything below this offset was fsynced: after a crash, segments wholly below
    /// it are trusted and only the rest are scanned.
    var recoveryPoint: Int64

    func encoded() -> [UInt8] {
        Array("\(Self.version)\nlog-start-offset \(logStartOffset)\nrecovery-point \(recoveryPoint)\n".utf8)
    }

    /// Parses the file's bytes; throws `corruptCheckpoint` on anything unexpected.
    init(decoding bytes: [UInt8]) throws {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        func value(_ line: Int, _ key: String) throws -> Int64 {
            let parts = lines.count > line ? lines[line].split(separator: " ") : []
            guard parts.count == 2, parts[0] == key, let value = Int64(parts[1]), value >= 0 else {
                throw StorageError(.corruptCheckpoint("line \(line + 1) is not '\(key) <offset>'"))
            }
            return value
        }
        guard lines.first == "\(Self.version)" else {
            throw StorageError(.corruptCheckpoint("unknown version \(lines.first.map(String.init) ?? "")"))
        }
        self.init(logStartOffset: try value(1, "log-start-offset"), recoveryPoint: try value(2, "recovery-point"))
    }

    init(logStartOffset: Int64, recoveryPoint: Int64) {
        self.logStartOffset = logStartOffset
        self.recoveryPoint = recoveryPoint
    }

    /// Reads the checkpoint of the partition in `directory`, or nil when there is none.
    static func read(directory: String, fileSystem: any LogFileSystem) throws -> PartitionCheckpoint? {
        let path = directory + "/" + LogFileNames.checkpoint
        guard fileSystem.fileExists(at: path) else { return nil }
        let file = try fileSystem.openFile(at: path, createIfMissing: false)
        defer { try? file.close() }
        let buffer = try file.read(at: 0, count: Int(try file.size()))
        do {
            return try PartitionCheckpoint(decoding: Array(buffer.readableBytesView))
        } catch var error as StorageError {
            error.path = path
            throw error
        }
    }

    /// Replaces the checkpoint of the partition in `directory`, durably.
    func write(directory: String, fileSystem: any LogFileSystem) throws {
        try fileSystem.writeAtomically(encoded(), to: directory + "/" + LogFileNames.checkpoint, directory: directory)
    }
}
