#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small helpers shared by the POSIX file system and file.
enum Posix {
    /// `close(2)`, named apart from the methods called `close` that would shadow it.
    static func closeDescriptor(_ descriptor: Int32) -> Int32 {
        #if canImport(Darwin)
        Darwin.close(descriptor)
        #elseif canImport(Musl)
        Musl.close(descriptor)
        #else
        Glibc.close(descriptor)
        #endif
    }

    /// Runs a system call until it does not fail with EINTR; throws on any other failure.
    static func retrying<T: FixedWidthInteger>(_ operation: String, path: String, _ call: () -> T) throws -> T {
        while true {
            let result = call()
            if result >= 0 { return result }
            if errno == EINTR { continue }
            throw StorageError(.io(operation: operation, errno: errno), path: path)
        }
    }
}
