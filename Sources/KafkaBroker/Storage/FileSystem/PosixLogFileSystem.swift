#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The real ``LogFileSystem``: POSIX calls on the local file system.
public struct PosixLogFileSystem: LogFileSystem {
    public init() {}

    public func openFile(at path: String, createIfMissing: Bool) throws -> any LogFile {
        var flags = O_RDWR | O_CLOEXEC
        if createIfMissing { flags |= O_CREAT }
        let descriptor = try Posix.retrying("open", path: path) { open(path, flags, 0o644) }
        return PosixLogFile(path: path, descriptor: descriptor)
    }

    public func fileExists(at path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0
    }

    public func isDirectory(at path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
    }

    public func contentsOfDirectory(at path: String) throws -> [String] {
        guard let directory = opendir(path) else {
            throw StorageError(.io(operation: "opendir", errno: errno), path: path)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func createDirectory(at path: String) throws {
        // mkdir -p: create each missing ancestor in turn.
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw StorageError(.io(operation: "mkdir", errno: errno), path: prefix)
            }
        }
    }

    public func removeFile(at path: String) throws {
        if unlink(path) != 0 && errno != ENOENT {
            throw StorageError(.io(operation: "unlink", errno: errno), path: path)
        }
    }

    public func removeDirectory(at path: String) throws {
        if rmdir(path) != 0 && errno != ENOENT {
            throw StorageError(.io(operation: "rmdir", errno: errno), path: path)
        }
    }

    public func rename(from source: String, to destination: String) throws {
        #if canImport(Darwin)
        let result = Darwin.rename(source, destination)
        #elseif canImport(Musl)
        let result = Musl.rename(source, destination)
        #else
        let result = Glibc.rename(source, destination)
        #endif
        if result != 0 {
            throw StorageError(.io(operation: "rename to \(destination)", errno: errno), path: source)
        }
    }

    public func synchronizeDirectory(at path: String) throws {
        let descriptor = try Posix.retrying("open directory", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { _ = Posix.closeDescriptor(descriptor) }
        _ = try Posix.retrying("fsync directory", path: path) { fsync(descriptor) }
    }
}
