import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Replaces a small file so that a crash leaves either the old or the new contents:
/// write a temporary file beside it, fsync it, rename it over, fsync the directory.
enum DurableFile {
    static func replace(path: String, with data: Data) throws {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw BrokerError.io(path: temporary, errno: errno) }
        defer { close(descriptor) }
        try data.withUnsafeBytes { bytes in
            var written = 0
            while written < bytes.count {
                let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw BrokerError.io(path: temporary, errno: errno)
                }
                written += result
            }
        }
        guard fsync(descriptor) == 0 else { throw BrokerError.io(path: temporary, errno: errno) }
        guard rename(temporary, path) == 0 else { throw BrokerError.io(path: path, errno: errno) }
        let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
    }
}
