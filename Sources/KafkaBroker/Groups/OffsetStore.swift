import KafkaProtocol
import Logging
import NIOCore

/// The durable state of the group coordinator: committed offsets and each group's
/// protocol type and generation, in one append-only file in the data directory
/// (`group-coordinator/groups.log`), compacted by rewriting it.
///
/// Why a file of its own and not an internal `__consumer_offsets` topic on
/// `PartitionLog`: the broker's topics are what the mirror engine copies and compares
/// offset for offset, so an internal topic would have to be hidden from Metadata,
/// Fetch, CreateTopics, retention and the mirror's topic listing, and would need log
/// compaction, which `PartitionLog` does not do. The coordinator needs far less: append
/// a few records durably before answering a commit, read them all back on start, and
/// now and then drop what later records replaced. That is this file.
///
/// Format: an 8-byte magic, then frames `[length: UInt32][crc32c: UInt32][record]`,
/// big-endian, the CRC over the record bytes (`OffsetStoreRecord`). Each append is one
/// write followed by fsync, before the commit is answered or applied. A crash during a
/// write leaves at most a torn last frame, which `load()` detects (length past the end
/// or CRC mismatch) and cuts off. Compaction writes the live records to a temporary
/// file, fsyncs it and renames it over the log, so a crash leaves the old or the new.
///
/// Not thread-safe: the `GroupCoordinator` only uses it under its lock (hence the
/// unchecked `Sendable`, which lets its lock hand it to the closures it runs).
final class OffsetStore: @unchecked Sendable {
    static let directoryName = "group-coordinator"
    static let fileName = "groups.log"
    static let magic: [UInt8] = Array("CWGRPS01".utf8)

    let directory: String
    let path: String
    private let fileSystem: any LogFileSystem
    private var file: (any LogFile)?
    private(set) var size: Int64 = 0
    /// Frames in the file: compaction is due when this is well above the live count.
    private(set) var frameCount = 0

    /// Whether a store exists in `dataDirectory` (the coordinator was used before).
    static func exists(in dataDirectory: String, fileSystem: any LogFileSystem) -> Bool {
        fileSystem.fileExists(at: dataDirectory + "/" + directoryName + "/" + fileName)
    }

    init(dataDirectory: String, fileSystem: any LogFileSystem) {
        self.directory = dataDirectory + "/" + Self.directoryName
        self.path = directory + "/" + Self.fileName
        self.fileSystem = fileSystem
    }

    /// Opens (creating it if needed) the log and returns every intact record in order.
    func load(logger: Logger) throws -> [OffsetStoreRecord] {
        try fileSystem.createDirectory(at: directory)
        let existed = fileSystem.fileExists(at: path)
        let file = try fileSystem.openFile(at: path, createIfMissing: true)
        self.file = file
        let fileSize = try file.size()
        if !existed || fileSize < Int64(Self.magic.count) {
            // New, or a crash before the magic was durable: start over.
            try file.truncate(to: 0)
            try file.write(ByteBuffer(bytes: Self.magic), at: 0)
            try file.synchronize()
            if !existed { try fileSystem.synchronizeDirectory(at: directory) }
            size = Int64(Self.magic.count)
            frameCount = 0
            return []
        }
        var contents = try file.read(at: 0, count: Int(fileSize))
        guard contents.readBytes(length: Self.magic.count) == Self.magic else {
            throw BrokerError.corruptMetadata(path: path, reason: "not a group coordinator log (bad magic)")
        }
        var records: [OffsetStoreRecord] = []
        var validEnd = Int64(Self.magic.count)
        while contents.readableBytes >= 8 {
            let start = contents.readerIndex
            let length = Int(contents.readInteger(as: UInt32.self)!)
            let crc = contents.readInteger(as: UInt32.self)!
            guard length <= contents.readableBytes,
                CRC32C.checksum(contents, at: contents.readerIndex, length: length) == crc
            else {
                contents.moveReaderIndex(to: start)
                break
            }
            var payload = contents.readSlice(length: length)!
            do {
                records.append(try OffsetStoreRecord(from: &payload))
            } catch {
                contents.moveReaderIndex(to: start)
                break
            }
            validEnd = Int64(contents.readerIndex)
        }
        if validEnd < fileSize {
            logger.warning(
                "\(path): cut \(fileSize - validEnd) bytes of a torn or corrupt tail after \(records.count) records")
            try file.truncate(to: validEnd)
            try file.synchronize()
        }
        size = validEnd
        frameCount = records.count
        return records
    }

    /// Appends records and makes them durable before returning.
    func append(_ records: [OffsetStoreRecord]) throws {
        guard !records.isEmpty else { return }
        guard let file else { throw BrokerError.io(path: path, errno: 9) }  // EBADF: not loaded or closed
        var buffer = ByteBuffer()
        for record in records { Self.writeFrame(record, into: &buffer) }
        let written = Int64(buffer.readableBytes)
        do {
            try file.write(buffer, at: size)
            try file.synchronize()
        } catch {
            // Whatever part of the write landed is cut off so the next append starts at a
            // frame boundary.
            try? file.truncate(to: size)
            throw error
        }
        size += written
        frameCount += records.count
    }

    /// Replaces the log with exactly `live`: temporary file, fsync, rename, fsync dir.
    func compact(to live: [OffsetStoreRecord]) throws {
        var buffer = ByteBuffer(bytes: Self.magic)
        for record in live { Self.writeFrame(record, into: &buffer) }
        try? file?.close()
        file = nil
        try fileSystem.writeAtomically(Array(buffer.readableBytesView), to: path, directory: directory)
        file = try fileSystem.openFile(at: path, createIfMissing: false)
        size = Int64(buffer.readableBytes)
        frameCount = live.count
    }

    func close() {
        try? file?.close()
        file = nil
    }

    private static func writeFrame(_ record: OffsetStoreRecord, into buffer: inout ByteBuffer) {
        var payload = ByteBuffer()
        record.encode(into: &payload)
        buffer.writeInteger(UInt32(payload.readableBytes), endianness: .big)
        buffer.writeInteger(CRC32C.checksum(payload), endianness: .big)
        buffer.writeBuffer(&payload)
    }
}
