import Foundation
import KafkaProtocol
import NIOCore

/// The record batches the load generator sends: built once, then sent again and again,
/// so the generator spends its CPU on sending, not on compressing.
///
/// Each batch holds `recordsPerBatch` records of `recordBytes`-byte values shaped like
/// event JSON: field names and a small vocabulary that compress, ids and numbers that
/// do not, so the codecs shrink them about as much as they shrink real traffic (2–4x).
/// Codecs take turns batch by batch; every partition sees all of them.
struct BenchBatches: Sendable {
    struct Batch: Sendable {
        var bytes: ByteBuffer
        var records: Int
        var codec: CompressionCodec
    }

    let batches: [Batch]

    init(codecs: [CompressionCodec], recordsPerBatch: Int, recordBytes: Int, variants: Int = 8, timestamp: Int64) throws
    {
        var random = SplitMix64(seed: 0xCA05E_0A7)
        var batches: [Batch] = []
        for variant in 0..<variants {
            for codec in codecs {
                var builder = RecordBatchBuilder(baseTimestamp: timestamp, codec: codec)
                for index in 0..<recordsPerBatch {
                    builder.append(
                        key: ByteBuffer(string: "user-\(random.next() % 100_000)"),
                        value: ByteBuffer(string: Self.value(bytes: recordBytes, random: &random)),
                        headers: [RecordHeader(key: "trace", value: ByteBuffer(string: "\(variant)-\(index)"))],
                        timestampDelta: Int64(index), offsetDelta: Int32(index), attributes: 0)
                }
                batches.append(Batch(bytes: try builder.build().bytes, records: recordsPerBatch, codec: codec))
            }
        }
        self.batches = batches
    }

    /// The batch to send as the `index`-th batch of `partition`: codecs rotate per partition.
    func batch(_ index: Int, partition: Int) -> Batch {
        batches[(index &+ partition &* 7) % batches.count]
    }

    var averageBytes: Double {
        Double(batches.reduce(0) { $0 + $1.bytes.readableBytes }) / Double(batches.count)
    }

    private static let words = [
        "page_view", "click", "checkout", "search", "add_to_cart", "login", "logout", "scroll", "mobile", "desktop",
        "chrome", "firefox", "safari", "eu-west-1", "us-east-1", "premium", "free", "trial", "success", "error",
    ]

    /// A JSON-like value of exactly `bytes` bytes.
    private static func value(bytes: Int, random: inout SplitMix64) -> String {
        var text =
            "{\"id\":\"\(String(random.next(), radix: 16))\",\"ts\":\(1_700_000_000_000 + random.next() % 1_000_000),"
        while text.utf8.count < bytes {
            let word = words[Int(random.next() % UInt64(words.count))]
            text += "\"\(word)\":\"\(String(random.next() % 1_000_000_000, radix: 36))\","
        }
        return String(text.utf8.prefix(bytes - 1))! + "}"
    }
}

/// A small, fast, seeded generator, so every run sends the same bytes.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
