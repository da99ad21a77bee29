import Foundation
import NIOCore

/// The record batches of every Fetch response in ../shared/kafka-conformance/cases.jsonl,
/// extracted by Fixtures/make_fetched_batches.py with kwire (independent of the code
/// under test): the raw records field of each partition and what kwire decoded from it.
struct FetchedRecords: Decodable {
    var `case`: String
    var topic: String?
    var partition: Int32
    var recordsHex: String
    var partialBytes: Int
    var batches: [FetchedBatch]

    var records: ByteBuffer { ByteBuffer(bytes: [UInt8](hex: recordsHex)) }

    /// Loaded once: the file lies next to this source file, outside the build products.
    static let all: [FetchedRecords] = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fetched-batches.json")
        do {
            return try JSONDecoder().decode([FetchedRecords].self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot load \(url.path): \(error)")
        }
    }()

    /// The records field of the named case's first partition.
    static func named(_ name: String) -> FetchedRecords {
        guard let found = all.first(where: { $0.case == name }) else { fatalError("no fixture \(name)") }
        return found
    }
}

struct FetchedBatch: Decodable {
    var baseOffset: Int64
    var batchLength: Int32
    var partitionLeaderEpoch: Int32
    var magic: Int8
    var crc: UInt32
    var attributes: Int16
    var lastOffsetDelta: Int32
    var baseTimestamp: Int64
    var maxTimestamp: Int64
    var producerId: Int64
    var producerEpoch: Int16
    var baseSequence: Int32
    var recordCount: Int32
    var compression: String
    var timestampType: String
    var isTransactional: Bool
    var isControl: Bool
    var crcValid: Bool
    var records: [FetchedRecord]
}

struct FetchedRecord: Decodable {
    struct Header: Decodable {
        var key: String
        var valueHex: String?
    }

    struct Control: Decodable {
        var version: Int16
        var type: String
        var coordinatorEpoch: Int32?
    }

    var attributes: Int8
    var timestampDelta: Int64
    var offsetDelta: Int32
    var keyHex: String?
    var valueHex: String?
    var headers: [Header]
    var control: Control?
}

extension Array where Element == UInt8 {
    init(hex: String) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8?
        for character in hex.utf8 {
            let nibble: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
            default: continue  // spaces in hex copied from documents
            }
            if let pending = high {
                bytes.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        self = bytes
    }

    var hex: String {
        map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

extension ByteBuffer {
    var hex: String { [UInt8](readableBytesView).hex }
    var bytes: [UInt8] { [UInt8](readableBytesView) }
}
