#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// A ``LogFile`` over a POSIX file descriptor.
final class PosixLogFile: LogFile {
    let path: String
    private var descriptor: Int32
    private static let allocator = ByteBufferAllocator()

    init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { _ = Posix.closeDescriptor(descriptor) }
    }

    func size() throws -> Int64 {
        var status = stat()
        _ = try Posix.retrying("fstat", path: path) { fstat(descriptor, &status) }
        return Int64(status.st_size)
    }

    func read(at position: Int64, count: Int) throws -> ByteBuffer {
        var buffer = Self.allocator.buffer(capacity: count)
        var total = 0
        while total < count {
            let read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - total) { pointer in
                try Posix.retrying("pread", path: path) {
                    pread(descriptor, pointer.baseAddress, count - total, off_t(position) + off_t(total))
                }
            }
            if read == 0 { break }  // end of file
            total += read
        }
        return buffer
    }

    func write(_ bytes: ByteBuffer, at position: Int64) throws {
        var written = 0
        let count = bytes.readableBytes
        while written < count {
            written += try bytes.withUnsafeReadableBytes { pointer in
                try Posix.retrying("pwrite", path: path) {
                    pwrite(descriptor, pointer.baseAddress! + written, count - written, off_t(position) + off_t(written))
                }
            }
        }
    }

    func truncate(to size: Int64) throws {
        _ = try Posix.retrying("ftruncate", path: path) { ftruncate(descriptor, off_t(size)) }
    }

    func synchronize() throws {
        _ = try Posix.retrying("fsync", path: path) { fsync(descriptor) }
    }

    func close() throws {
        guard descriptor >= 0 else { return }
        let result = Posix.closeDescriptor(descriptor)
        descriptor = -1
        // No retry on EINTR: on Linux the descriptor is released even then.
        if result != 0 && errno != EINTR {
            throw StorageError(.io(operation: "close", errno: errno), path: path)
        }
    }
}
