import NIOCore

/// The file-system operations the log storage needs.
///
/// Storage never touches the file system except through this protocol, so tests can
/// count fsyncs, inject failures and simulate a crash that loses every write that was
/// not synchronized. ``PosixLogFileSystem`` is the real implementation.
///
/// Paths are plain strings joined with `/`. Every method is synchronous: a partition log
/// does its I/O on the thread of whoever serializes access to it.
public protocol LogFileSystem: Sendable {
    /// Opens a file for reading and writing, creating it (empty) when `createIfMissing`.
    func openFile(at path: String, createIfMissing: Bool) throws -> any LogFile

    /// Whether a file or directory exists at `path`.
    func fileExists(at path: String) -> Bool

    /// Whether `path` is a directory.
    func isDirectory(at path: String) -> Bool

    /// The names (not paths) of the entries of a directory, without `.` and `..`.
    func contentsOfDirectory(at path: String) throws -> [String]

    /// Creates a directory and any missing parents; succeeds when it already exists.
    func createDirectory(at path: String) throws

    /// Removes a file; succeeds when it does not exist.
    func removeFile(at path: String) throws

    /// Removes an empty directory; succeeds when it does not exist.
    func removeDirectory(at path: String) throws

    /// Atomically renames a file or directory, replacing `destination` if it is a file.
    func rename(from source: String, to destination: String) throws

    /// Makes the directory's entries (creations, renames, removals) durable.
    func synchronizeDirectory(at path: String) throws
}

extension LogFileSystem {
    /// Removes a directory and the files in it (storage directories hold no subdirectories).
    func removeDirectoryRecursively(at path: String) throws {
        guard fileExists(at: path) else { return }
        for name in try contentsOfDirectory(at: path) {
            try removeFile(at: path + "/" + name)
        }
        try removeDirectory(at: path)
    }

    /// Writes `contents` to `path` so that a crash leaves either the old or the new file,
    /// never a mix: write a temporary file, fsync it, rename it over the target, fsync the
    /// directory (without the last step the rename itself may be lost).
    func writeAtomically(_ contents: [UInt8], to path: String, directory: String) throws {
        let temporaryPath = path + LogFileNames.temporarySuffix
        let file = try openFile(at: temporaryPath, createIfMissing: true)
        do {
            try file.truncate(to: 0)
            var buffer = ByteBufferAllocator().buffer(capacity: contents.count)
            buffer.writeBytes(contents)
            try file.write(buffer, at: 0)
            try file.synchronize()
            try file.close()
        } catch {
            try? file.close()
            throw error
        }
        try rename(from: temporaryPath, to: path)
        try synchronizeDirectory(at: directory)
    }
}
