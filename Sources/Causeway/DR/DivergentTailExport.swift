import Foundation
import KafkaClient
import KafkaProtocol
import NIOCore

/// Writes the records an old primary holds past the failover point to a JSON-lines file,
/// before `causeway reverse` re-seeds the partition: those writes were acknowledged by
/// the old primary and never reached the new one, so they are kept for a person (or a
/// script) to replay or discard, never dropped silently.
///
/// One line per record: `{"topic", "partition", "offset", "timestamp", "key", "value",
/// "headers": [{"key", "value"}]}`, key and values base64 (null when absent). Control
/// records (transaction markers) are not records anyone wrote and are left out.
struct DivergentTailExport {
    struct Line: Codable {
        struct Header: Codable {
            var key: String
            var value: String?
        }

        var topic: String
        var partition: Int32
        var offset: Int64
        var timestamp: Int64
        var key: String?
        var value: String?
        var headers: [Header]
    }

    let client: KafkaClient

    /// The lines for offsets `from..<to` of `partition`.
    func lines(of partition: TopicPartitionID, from start: Int64, to end: Int64) async throws -> [Line] {
        var cursor = BatchCursor(client: client, partition: partition, end: end)
        var lines: [Line] = []
        var position = start
        while position < end, let batch = try await cursor.batch(at: position) {
            for record in try ComparableRecord.records(of: batch) where record.offset >= start && record.offset < end {
                guard case .data(let key, let value, let headers) = record.content, !record.isFiller else { continue }
                lines.append(Line(
                    topic: partition.topic, partition: partition.partition, offset: record.offset, timestamp: record.timestamp,
                    key: key.map(Self.base64), value: value.map(Self.base64),
                    headers: headers.map { Line.Header(key: $0.key, value: $0.value.map(Self.base64)) }))
            }
            position = batch.nextOffset
        }
        return lines
    }

    /// Writes `lines` to `path` and syncs it to disk before returning: the re-seed that
    /// follows deletes the only other copy.
    static func write(_ lines: [Line], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = Data()
        for line in lines {
            data.append(try encoder.encode(line))
            data.append(0x0A)
        }
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw FailoverError("cannot write the divergent records to \(path)")
        }
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try handle.synchronize()
        try handle.close()
    }

    private static func base64(_ buffer: ByteBuffer) -> String {
        Data(buffer.readableBytesView).base64EncodedString()
    }
}
