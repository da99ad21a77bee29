import Causeway
import Foundation
import KafkaProtocol
import NIOCore
import XCTest

/// Fetch responses captured from a real Kafka 4.0 broker: the records field of each
/// partition in ../shared/kafka-conformance/cases.jsonl, as KafkaProtocolTests keeps
/// them (Records/Fixtures/fetched-batches.json, read by path, not copied).
enum GoldenFetch {
    private struct Case: Decodable {
        var `case`: String
        var recordsHex: String
    }

    private static let all: [String: ByteBuffer] = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // Mirror
            .deletingLastPathComponent()  // CausewayTests
            .deletingLastPathComponent()  // Tests
            .appendingPathComponent("KafkaProtocolTests/Records/Fixtures/fetched-batches.json")
        do {
            let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
            return Dictionary(cases.map { ($0.case, ByteBuffer(bytes: hexBytes($0.recordsHex))) }) { first, _ in first }
        } catch {
            fatalError("cannot load \(url.path): \(error)")
        }
    }()

    /// The records field of the named case's first partition.
    static func records(_ name: String) -> ByteBuffer {
        guard let records = all[name] else { fatalError("no fixture \(name)") }
        return records
    }

    static func batches(_ name: String) throws -> [RecordBatch] {
        try RecordBatchSequence(records(name)).split().batches
    }

    private static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var high: UInt8?
        for character in hex.utf8 {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            default: continue
            }
            if let pending = high {
                bytes.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }
}

/// Source batches built for a test, as a log would hold them.
enum TestBatches {
    static let baseTimestamp: Int64 = 1_795_551_349_612

    /// A batch at `base` with records at `deltas` (key "k<offset>", value "v<offset>",
    /// timestampDelta = delta), lastOffsetDelta overridable to model compaction.
    static func make(
        base: Int64, deltas: [Int32], lastOffsetDelta: Int32? = nil, codec: CompressionCodec = .none,
        timestampType: TimestampType = .createTime, producerId: Int64 = -1, producerEpoch: Int16 = -1,
        baseSequence: Int32 = -1, isTransactional: Bool = false, maxTimestamp: Int64? = nil
    ) throws -> RecordBatch {
        var builder = RecordBatchBuilder(
            baseTimestamp: baseTimestamp, codec: codec, baseOffset: base, partitionLeaderEpoch: 0,
            producerId: producerId, producerEpoch: producerEpoch, baseSequence: baseSequence,
            isTransactional: isTransactional, timestampType: timestampType)
        for delta in deltas {
            let offset = base + Int64(delta)
            builder.append(
                key: ByteBuffer(string: "k\(offset)"), value: ByteBuffer(string: "v\(offset)"),
                headers: [RecordHeader(key: "h", value: ByteBuffer(string: "\(offset)"))],
                timestampDelta: Int64(delta), offsetDelta: delta)
        }
        builder.lastOffsetDelta = lastOffsetDelta
        builder.maxTimestamp = maxTimestamp
        return try builder.build()
    }

    /// A contiguous plain batch of `count` records.
    static func contiguous(base: Int64, count: Int32, codec: CompressionCodec = .none) throws -> RecordBatch {
        try make(base: base, deltas: Array(0..<count), codec: codec)
    }

    /// The records field of a Fetch response holding `batches`.
    static func blob(_ batches: [RecordBatch]) -> ByteBuffer {
        var buffer = ByteBuffer()
        for batch in batches { buffer.writeImmutableBuffer(batch.bytes) }
        return buffer
    }
}

extension ByteBuffer {
    var allBytes: [UInt8] { Array(readableBytesView) }
}

extension PartitionMirror.Action {
    /// The plan of a `.produce` action.
    var producedPlan: BatchPlan? {
        if case .produce(let plan) = self { return plan }
        return nil
    }
}

/// Asserts the plan's batch is well formed as a broker checks it: CRC valid, records
/// decodable, lastOffsetDelta == recordCount - 1, inner deltas 0..n-1.
func assertProducible(_ plan: BatchPlan, file: StaticString = #filePath, line: UInt = #line) throws {
    let batch = plan.batch
    XCTAssertNoThrow(try batch.verifyCRC(), file: file, line: line)
    XCTAssertEqual(batch.baseOffset, plan.baseOffset, file: file, line: line)
    XCTAssertEqual(Int64(batch.lastOffsetDelta) + 1, plan.offsetCount, file: file, line: line)
    XCTAssertEqual(batch.recordCount, batch.lastOffsetDelta + 1, "count must match the offset range", file: file, line: line)
    let records = try batch.records(maxDecompressedSize: 1 << 28)
    XCTAssertEqual(records.map(\.offsetDelta), Array(0...batch.lastOffsetDelta), file: file, line: line)
}
