import KafkaProtocol
import Logging
import NIOCore

/// A record that a ``DurableRecordLog`` can hold: it writes itself to bytes and reads
/// itself back.
protocol DurableRecord: Sendable {
    init(from buffer: inout ByteBuffer) throws
    func encode(into buffer: inout ByteBuffer)
}

/// An append-only file of CRC-checked records in the data directory, compacted by
/// rewriting it: the durable state of the group coordinator (``OffsetStore``) and of the
/// transaction coordinator (``TransactionStore``).
///
/// Format: an 8-byte magic, then frames `[length: UInt32][crc32c: UInt32][record]`,
/// big-endian, the CRC over the record bytes. Each append is one write followed by
/// fsync, before the caller answers or applies what it wrote. A crash during a write
/// leaves at most a torn last frame, which `load()` detects (length past the end or CRC
/// mismatch) and cuts off. Compaction writes the live records to a temporary file,
/// fsyncs it and renames it over the log, so a crash leaves the old or the new.
///
/// Not thread-safe: each coordinator only uses its log under its lock (hence the
/// unchecked `Sendable`, which lets the lock hand it to the closures it runs).
final class DurableRecordLog<Record: DurableRecord>: @unchecked Sendable {
    let directory: String
    let path: String
    /// What the file holds, for error messages ("group coordinator log").
    let kind: String
    private let magic: [UInt8]
    private let fileSystem: any LogFileSystem
    private var file: (any LogFile)?
    private(set) var size: Int64 = 0
    /// Frames in the file: compaction is due when this is well above the live count.
    private(set) var frameCount = 0

    init(directory: String, fileName: String, magic: String, kind: String, fileSystem: any LogFileSystem) {
        self.directory = directory
        self.path = directory + "/" + fileName
        self.kind = kind
        self.magic = Array(magic.utf8)
        self.fileSystem = fileSystem
    }

    /// Opens (creating it if needed) the log and returns every intact record in order.
    func load(logger: Logger) throws -> [Record] {
        try fileSystem.createDirectory(at: directory)
        let existed = fileSystem.fileExists(at: path)
        let file = try fileSystem.openFile(at: path, createIfMissing: true)
        self.file = file
        let fileSize = try file.size()
        if !existed || fileSize < Int64(magic.count) {
            // New, or a crash before the magic was durable: start over.
            try file.truncate(to: 0)
            try file.write(ByteBuffer(bytes: magic), at: 0)
            try file.synchronize()
            if !existed { try fileSystem.synchronizeDirectory(at: directory) }
            size = Int64(magic.count)
            frameCount = 0
            return []
        }
        var contents = try file.read(at: 0, count: Int(fileSize))
        guard contents.readBytes(length: magic.count) == magic else {
            throw BrokerError.corruptMetadata(path: path, reason: "not a \(kind) (bad magic)")
        }
        var records: [Record] = []
        var validEnd = Int64(magic.count)
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
                records.append(try Record(from: &payload))
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
    func append(_ records: [Record]) throws {
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
    func compact(to live: [Record]) throws {
        var buffer = ByteBuffer(bytes: magic)
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

    private static func writeFrame(_ record: Record, into buffer: inout ByteBuffer) {
        var payload = ByteBuffer()
        record.encode(into: &payload)
        buffer.writeInteger(UInt32(payload.readableBytes), endianness: .big)
        buffer.writeInteger(CRC32C.checksum(payload), endianness: .big)
        buffer.writeBuffer(&payload)
    }
}
