import Foundation
import KafkaProtocol
import NIOCore

/// Keeps the ACLs of an embedded cluster in `acls.dat` in its data directory, so they
/// survive a restart.
///
/// ACLs change rarely and are few, so each change rewrites the whole file through
/// `DurableFile.replace` (temporary file, fsync, rename, fsync of the directory): a
/// crash leaves the old set or the new one, never a mix.
///
/// Format: the 8-byte magic `CWACLS01`, then one frame per ACL,
/// `[length: UInt32][crc32c: UInt32][record]`, big-endian, the CRC over the record.
/// Unlike the group coordinator's log, a bad frame is not cut off: since the file is
/// only ever replaced whole, damage means the disk or someone else changed it, and
/// starting with part of the ACLs could silently drop a DENY. So `load()` refuses the
/// file and the broker does not start until a person looks at it.
struct AclStore: Sendable {
    static let fileName = "acls.dat"
    static let magic: [UInt8] = Array("CWACLS01".utf8)

    let path: String

    init(dataDirectory: String) {
        self.path = (dataDirectory as NSString).appendingPathComponent(Self.fileName)
    }

    /// The stored ACLs, or none when the file does not exist yet.
    func load() throws -> [AclBinding] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw BrokerError.corruptMetadata(path: path, reason: "cannot read the ACL file: \(error)")
        }
        var buffer = ByteBuffer(bytes: data)
        guard buffer.readBytes(length: Self.magic.count) == Self.magic else {
            throw BrokerError.corruptMetadata(path: path, reason: "not an ACL file (bad magic)")
        }
        var bindings: [AclBinding] = []
        while buffer.readableBytes > 0 {
            let frameStart = buffer.readerIndex
            guard let length = buffer.readInteger(as: UInt32.self), let crc = buffer.readInteger(as: UInt32.self),
                Int(length) <= buffer.readableBytes,
                CRC32C.checksum(buffer, at: buffer.readerIndex, length: Int(length)) == crc,
                var record = buffer.readSlice(length: Int(length))
            else {
                throw BrokerError.corruptMetadata(
                    path: path, reason: "ACL \(bindings.count + 1) at byte \(frameStart) is torn or fails its CRC")
            }
            do {
                bindings.append(try Self.decode(&record))
            } catch {
                throw BrokerError.corruptMetadata(path: path, reason: "ACL \(bindings.count + 1) at byte \(frameStart): \(error)")
            }
        }
        return bindings
    }

    /// Replaces the file with exactly `bindings`, durably, before returning.
    func save(_ bindings: [AclBinding]) throws {
        var buffer = ByteBuffer(bytes: Self.magic)
        for binding in bindings {
            var record = ByteBuffer()
            Self.encode(binding, into: &record)
            buffer.writeInteger(UInt32(record.readableBytes), endianness: .big)
            buffer.writeInteger(CRC32C.checksum(record), endianness: .big)
            buffer.writeBuffer(&record)
        }
        try DurableFile.replace(path: path, with: Data(buffer.readableBytesView))
    }

    private static func encode(_ binding: AclBinding, into buffer: inout ByteBuffer) {
        buffer.writeInteger(binding.resourceType.rawValue)
        buffer.writeInteger(binding.patternType.rawValue)
        buffer.writeKafkaString(binding.resourceName, compact: false)
        buffer.writeKafkaString(binding.principal, compact: false)
        buffer.writeKafkaString(binding.host, compact: false)
        buffer.writeInteger(binding.operation.rawValue)
        buffer.writeInteger(binding.permission.rawValue)
    }

    private static func decode(_ buffer: inout ByteBuffer) throws -> AclBinding {
        let resourceType: Int8 = try buffer.readKafkaInteger()
        let patternType: Int8 = try buffer.readKafkaInteger()
        let name = try buffer.readKafkaString(compact: false, field: "resource name")
        let principal = try buffer.readKafkaString(compact: false, field: "principal")
        let host = try buffer.readKafkaString(compact: false, field: "host")
        let operation: Int8 = try buffer.readKafkaInteger()
        let permission: Int8 = try buffer.readKafkaInteger()
        let binding = AclBinding(
            resourceType: AclResourceType(code: resourceType), resourceName: name,
            patternType: AclPatternType(code: patternType), principal: principal, host: host,
            operation: AclOperation(code: operation), permission: AclPermissionType(code: permission))
        if let problem = binding.creationProblem { throw InvalidRecord(description: "invalid ACL \(binding): \(problem)") }
        guard buffer.readableBytes == 0 else { throw InvalidRecord(description: "\(buffer.readableBytes) bytes after the ACL") }
        return binding
    }

    private struct InvalidRecord: Error, CustomStringConvertible {
        let description: String
    }
}
