import Foundation
import NIOCore

/// One recorded exchange with a real Kafka 4.0 broker, from ../shared/kafka-conformance/cases.jsonl.
struct ConformanceCase {
    let name: String
    let apiKey: Int16
    let apiVersion: Int16
    let request: [UInt8]
    /// Empty when the broker closed the connection instead of answering.
    let response: [UInt8]
    let responseVersion: Int16
    let replayable: Bool

    /// The frame without its 4-byte size prefix (what a frame decoder hands on).
    static func frameBody(_ bytes: [UInt8]) -> ByteBuffer {
        ByteBuffer(bytes: bytes.dropFirst(4))
    }

    static let all: [ConformanceCase] = load()

    static var corpusURL: URL {
        // Tests/KafkaProtocolTests/Support/ -> package root -> ../shared
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("shared/kafka-conformance/cases.jsonl")
    }

    private static func load() -> [ConformanceCase] {
        guard let text = try? String(contentsOf: corpusURL, encoding: .utf8) else {
            fatalError("conformance corpus not found at \(corpusURL.path): ../shared must sit beside the package")
        }
        return text.split(separator: "\n").map { line in
            let object = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let version = Int16(object["api_version"] as! Int)
            return ConformanceCase(
                name: object["name"] as! String,
                apiKey: Int16(object["api_key"] as! Int),
                apiVersion: version,
                request: hexBytes(object["request_hex"] as! String),
                response: hexBytes(object["response_hex"] as? String ?? ""),
                responseVersion: (object["decode_response_as_version"] as? Int).map(Int16.init) ?? version,
                replayable: object["replayable"] as? Bool ?? false
            )
        }
    }
}

func hexBytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(hex.utf8.count / 2)
    var iterator = hex.utf8.makeIterator()
    func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return c - UInt8(ascii: "A") + 10
        }
    }
    while let high = iterator.next(), let low = iterator.next() {
        bytes.append(nibble(high) << 4 | nibble(low))
    }
    return bytes
}

func hexString<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    bytes.map { String(format: "%02x", $0) }.joined()
}
