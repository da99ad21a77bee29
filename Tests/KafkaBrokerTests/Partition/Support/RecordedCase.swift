import Foundation
import KafkaProtocol
import NIOCore

/// One exchange recorded against a real Kafka 4.0 broker, from
/// ../shared/kafka-conformance/cases.jsonl, with what it needs to be replayed here.
struct RecordedCase {
    struct Frame {
        let apiKey: Int16
        let apiVersion: Int16
        let bytes: [UInt8]
    }

    let name: String
    let request: Frame
    /// Empty when the broker closed the connection.
    let response: [UInt8]
    let replayable: Bool
    /// `{topic: {config: value}}` at creation.
    let topicConfigs: [String: [String: String]]
    /// Earlier requests touching the case's topics, in order (CreateTopics included).
    let setup: [Frame]

    /// The broker's "now" when the corpus was recorded (FINDINGS b); batch timestamps
    /// in the corpus are absolute and lie around it.
    static let recordedNow: Int64 = 1_795_551_349_612

    static let all: [RecordedCase] = load()

    static func named(_ name: String) -> RecordedCase {
        guard let found = all.first(where: { $0.name == name }) else { fatalError("no case \(name)") }
        return found
    }

    static var corpusURL: URL {
        // Tests/KafkaBrokerTests/Partition/Support/ -> package root -> ../shared
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<6 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("shared/kafka-conformance/cases.jsonl")
    }

    private static func load() -> [RecordedCase] {
        guard let text = try? String(contentsOf: corpusURL, encoding: .utf8) else {
            fatalError("conformance corpus not found at \(corpusURL.path): ../shared must sit beside the package")
        }
        return text.split(separator: "\n").map { line in
            let object = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let setup = (object["setup"] as? [[String: Any]] ?? []).map {
                Frame(apiKey: Int16($0["api_key"] as! Int), apiVersion: Int16($0["api_version"] as! Int),
                      bytes: bytes(fromHex: $0["request_hex"] as! String))
            }
            return RecordedCase(
                name: object["name"] as! String,
                request: Frame(apiKey: Int16(object["api_key"] as! Int), apiVersion: Int16(object["api_version"] as! Int),
                               bytes: bytes(fromHex: object["request_hex"] as! String)),
                response: bytes(fromHex: object["response_hex"] as? String ?? ""),
                replayable: object["replayable"] as? Bool ?? false,
                topicConfigs: object["topic_configs"] as? [String: [String: String]] ?? [:],
                setup: setup)
        }
    }

    static func bytes(fromHex hex: String) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(hex.utf8.count / 2)
        var characters = hex.makeIterator()
        while let high = characters.next(), let low = characters.next() {
            result.append(UInt8(String([high, low]), radix: 16)!)
        }
        return result
    }

    /// The request body of a frame, after the size prefix and the request header.
    static func requestBody<Message: KafkaRequestMessage>(_ frame: Frame, as type: Message.Type) throws -> Message {
        var buffer = ByteBuffer(bytes: frame.bytes.dropFirst(4))
        _ = try KafkaRequestHeader(from: &buffer)
        return try Message(decoding: buffer, version: frame.apiVersion)
    }

    /// The recorded response body.
    func responseBody<Message: KafkaResponseMessage>(as type: Message.Type) throws -> Message {
        var buffer = ByteBuffer(bytes: response.dropFirst(4))
        _ = try KafkaResponseHeader(
            from: &buffer, headerVersion: KafkaResponseHeader.headerVersion(apiKey: request.apiKey, apiVersion: request.apiVersion))
        return try Message(decoding: buffer, version: request.apiVersion)
    }
}
