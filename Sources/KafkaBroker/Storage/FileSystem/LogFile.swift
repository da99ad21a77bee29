import NIOCore

/// An open file of the log storage: positional reads and writes, truncation and fsync.
///
/// Handles are not `Sendable`: each belongs to the segment (or checkpoint writer) that
/// opened it, which runs under its partition log's serialization (see ``PartitionLog``).
/// Positional I/O (`pread`/`pwrite`) instead of a file cursor keeps reads and appends
/// independent of each other.
public protocol LogFile: AnyObject {
    /// The path the file was opened at, for error messages.
    var path: String { get }

    /// The current size of the file in bytes.
    func size() throws -> Int64

    /// Reads up to `count` bytes at `position`; fewer only when the file ends first.
    func read(at position: Int64, count: Int) throws -> ByteBuffer

    /// Writes every readable byte of `bytes` at `position`, or throws.
    func write(_ bytes: ByteBuffer, at position: Int64) throws

    /// Cuts (or extends with zeros) the file to `size` bytes.
    func truncate(to size: Int64) throws

    /// Makes everything written to this file so far durable (`fsync`).
    func synchronize() throws

    /// Closes the handle. It must not be used afterwards.
    func close() throws
}
