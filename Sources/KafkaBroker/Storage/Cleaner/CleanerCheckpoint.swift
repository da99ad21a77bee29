/// What the log cleaner must remember about one partition across restarts, in a small
/// file in the partition directory (`cleaner.checkpoint`).
///
/// - `firstDirtyOffset`: where the last pass stopped; everything below it is clean
///   (Kafka's `cleaner-offset-checkpoint`, kept per partition here, as
///   ``PartitionCheckpoint`` is, so partitions stay independent).
/// - `pendingSwap`: the segment range a cleaned segment is replacing while a swap is
///   under way. Kafka infers that range on recovery from the swap segment's own offsets,
///   which misses a replaced segment that compaction emptied entirely (its base offset
///   lies past the cleaned data); writing the range down first makes recovery exact.
///
/// Replaced atomically. Format, one item per line:
///
///     0
///     first-dirty-offset 1200
///     swap 0 900
struct CleanerCheckpoint: Hashable, Sendable {
    static let version = 0
    static let fileName = "cleaner.checkpoint"

    /// The segments with base offsets in `[baseOffset, endOffset)` are being replaced by
    /// the cleaned segment at `baseOffset`.
    struct PendingSwap: Hashable, Sendable {
        var baseOffset: Int64
        var endOffset: Int64
    }

    var firstDirtyOffset: Int64?
    var pendingSwap: PendingSwap?

    init(firstDirtyOffset: Int64? = nil, pendingSwap: PendingSwap? = nil) {
        self.firstDirtyOffset = firstDirtyOffset
        self.pendingSwap = pendingSwap
    }

    func encoded() -> [UInt8] {
        var text = "\(Self.version)\n"
        if let firstDirtyOffset { text += "first-dirty-offset \(firstDirtyOffset)\n" }
        if let pendingSwap { text += "swap \(pendingSwap.baseOffset) \(pendingSwap.endOffset)\n" }
        return Array(text.utf8)
    }

    /// Parses the file's bytes; throws `corruptCheckpoint` on anything unexpected.
    init(decoding bytes: [UInt8]) throws {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        guard lines.first == "\(Self.version)" else {
            throw StorageError(.corruptCheckpoint("unknown cleaner checkpoint version \(lines.first.map(String.init) ?? "")"))
        }
        for (number, line) in lines.enumerated().dropFirst() {
            let parts = line.split(separator: " ")
            let values = parts.dropFirst().compactMap { Int64($0) }
            switch (parts.first, values.count, parts.count) {
            case ("first-dirty-offset", 1, 2) where values[0] >= 0:
                firstDirtyOffset = values[0]
            case ("swap", 2, 3) where values[0] >= 0 && values[1] > values[0]:
                pendingSwap = PendingSwap(baseOffset: values[0], endOffset: values[1])
            default:
                throw StorageError(.corruptCheckpoint("cleaner checkpoint line \(number + 1) is not understood: \(line)"))
            }
        }
    }

    /// Reads the checkpoint in `directory`; an empty one when there is none.
    static func read(directory: String, fileSystem: any LogFileSystem) throws -> CleanerCheckpoint {
        let path = directory + "/" + fileName
        guard fileSystem.fileExists(at: path) else { return CleanerCheckpoint() }
        let file = try fileSystem.openFile(at: path, createIfMissing: false)
        defer { try? file.close() }
        let buffer = try file.read(at: 0, count: Int(try file.size()))
        do {
            return try CleanerCheckpoint(decoding: Array(buffer.readableBytesView))
        } catch var error as StorageError {
            error.path = path
            throw error
        }
    }

    /// Replaces the checkpoint in `directory`, durably.
    func write(directory: String, fileSystem: any LogFileSystem) throws {
        try fileSystem.writeAtomically(encoded(), to: directory + "/" + Self.fileName, directory: directory)
    }
}
