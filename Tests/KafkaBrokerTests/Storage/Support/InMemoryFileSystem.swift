import Foundation
import NIOCore
@testable import KafkaBroker

/// A ``LogFileSystem`` in memory that models what survives a crash and can inject faults.
///
/// Each file has its current bytes and its durable bytes; `synchronize()` makes the
/// current bytes durable and ``crash()`` throws away everything that was not. Directory
/// operations (create, rename, unlink) are treated as durable at once: the storage under
/// test fsyncs directories anyway, and this model only checks data durability.
final class InMemoryFileSystem: LogFileSystem, @unchecked Sendable {
    final class Node {
        var current: [UInt8] = []
        var durable: [UInt8] = []
    }

    private let lock = NSLock()
    private var files: [String: Node] = [:]
    private var directories: Set<String> = ["/"]
    private var syncs: [String: Int] = [:]
    private var directorySyncs = 0
    private var failingWrites: [String] = []
    private var failingSyncs: [String] = []

    // MARK: Test controls

    /// Loses every write not made durable by an fsync, as a power failure would.
    func crash() {
        lock.withLock { for node in files.values { node.current = node.durable } }
    }

    /// fsyncs of files whose path ends with `suffix`.
    func syncCount(suffix: String) -> Int {
        lock.withLock { syncs.filter { $0.key.hasSuffix(suffix) }.values.reduce(0, +) }
    }

    var directorySyncCount: Int { lock.withLock { directorySyncs } }

    /// The next write to a path ending with `suffix` fails with EIO.
    func failNextWrite(suffix: String) { lock.withLock { failingWrites.append(suffix) } }

    /// The next fsync of a path ending with `suffix` fails with EIO.
    func failNextSync(suffix: String) { lock.withLock { failingSyncs.append(suffix) } }

    func bytes(at path: String) -> [UInt8]? { lock.withLock { files[path]?.current } }

    func setBytes(_ bytes: [UInt8], at path: String) {
        lock.withLock {
            let node = files[path] ?? Node()
            node.current = bytes
            node.durable = bytes
            files[path] = node
        }
    }

    // MARK: LogFileSystem

    func openFile(at path: String, createIfMissing: Bool) throws -> any LogFile {
        try lock.withLock {
            if let node = files[path] { return File(path: path, node: node, fileSystem: self) }
            guard createIfMissing, directories.contains(parent(of: path)) else {
                throw StorageError(.io(operation: "open", errno: ENOENT), path: path)
            }
            let node = Node()
            files[path] = node
            return File(path: path, node: node, fileSystem: self)
        }
    }

    func fileExists(at path: String) -> Bool {
        lock.withLock { files[path] != nil || directories.contains(path) }
    }

    func isDirectory(at path: String) -> Bool { lock.withLock { directories.contains(path) } }

    func contentsOfDirectory(at path: String) throws -> [String] {
        try lock.withLock {
            guard directories.contains(path) else { throw StorageError(.io(operation: "opendir", errno: ENOENT), path: path) }
            let prefix = path + "/"
            let children = (Array(files.keys) + Array(directories)).filter {
                $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/")
            }
            return children.map { String($0.dropFirst(prefix.count)) }
        }
    }

    func createDirectory(at path: String) throws {
        lock.withLock {
            var prefix = ""
            for component in path.split(separator: "/") {
                prefix += "/" + component
                directories.insert(prefix)
            }
        }
    }

    func removeFile(at path: String) throws { _ = lock.withLock { files.removeValue(forKey: path) } }

    func removeDirectory(at path: String) throws { _ = lock.withLock { directories.remove(path) } }

    func rename(from source: String, to destination: String) throws {
        try lock.withLock {
            if let node = files.removeValue(forKey: source) {
                files[destination] = node
            } else if directories.remove(source) != nil {
                directories.insert(destination)
                for (path, node) in files where path.hasPrefix(source + "/") {
                    files.removeValue(forKey: path)
                    files[destination + path.dropFirst(source.count)] = node
                }
            } else {
                throw StorageError(.io(operation: "rename", errno: ENOENT), path: source)
            }
        }
    }

    func synchronizeDirectory(at path: String) throws { lock.withLock { directorySyncs += 1 } }

    private func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }

    /// Consumes an injected failure for `path`, if one matches.
    fileprivate func takeFailure(isWrite: Bool, path: String) -> Bool {
        lock.withLock {
            if isWrite, let index = failingWrites.firstIndex(where: { path.hasSuffix($0) }) {
                failingWrites.remove(at: index)
                return true
            }
            if !isWrite, let index = failingSyncs.firstIndex(where: { path.hasSuffix($0) }) {
                failingSyncs.remove(at: index)
                return true
            }
            return false
        }
    }

    fileprivate func withNode<T>(_ body: () throws -> T) rethrows -> T { try lock.withLock(body) }

    fileprivate func recordSync(_ path: String) { lock.withLock { syncs[path, default: 0] += 1 } }

    /// An open handle on a node.
    final class File: LogFile {
        let path: String
        private let node: Node
        private let fileSystem: InMemoryFileSystem

        init(path: String, node: Node, fileSystem: InMemoryFileSystem) {
            self.path = path
            self.node = node
            self.fileSystem = fileSystem
        }

        func size() throws -> Int64 { fileSystem.withNode { Int64(node.current.count) } }

        func read(at position: Int64, count: Int) throws -> ByteBuffer {
            fileSystem.withNode {
                let start = min(Int(position), node.current.count)
                let end = min(start + count, node.current.count)
                var buffer = ByteBufferAllocator().buffer(capacity: end - start)
                buffer.writeBytes(node.current[start..<end])
                return buffer
            }
        }

        func write(_ bytes: ByteBuffer, at position: Int64) throws {
            if fileSystem.takeFailure(isWrite: true, path: path) {
                throw StorageError(.io(operation: "pwrite", errno: EIO), path: path)
            }
            fileSystem.withNode {
                let start = Int(position)
                if node.current.count < start { node.current += Array(repeating: 0, count: start - node.current.count) }
                let data = Array(bytes.readableBytesView)
                let overlap = min(data.count, node.current.count - start)
                node.current.replaceSubrange(start..<(start + overlap), with: data)
            }
        }

        func truncate(to size: Int64) throws {
            fileSystem.withNode {
                let size = Int(size)
                if node.current.count > size {
                    node.current.removeLast(node.current.count - size)
                } else {
                    node.current += Array(repeating: 0, count: size - node.current.count)
                }
            }
        }

        func synchronize() throws {
            if fileSystem.takeFailure(isWrite: false, path: path) {
                throw StorageError(.io(operation: "fsync", errno: EIO), path: path)
            }
            fileSystem.withNode { node.durable = node.current }
            fileSystem.recordSync(path)
        }

        func close() throws {}
    }
}
