import Yams

extension StartPosition {
    static func read(_ node: Node?, at path: String, reader: inout ConfigurationReader) -> Self {
        guard let node else { return .earliest }
        if case .mapping = node {
            guard let mapping = reader.mapping(node, at: path, keys: ["timestamp"], expected: expected),
                let valueNode = reader.required(
                    "timestamp", in: mapping, expected: "an RFC 3339 time with zone, or epoch milliseconds")
            else { return .earliest }
            let valuePath = mapping.path("timestamp")
            let timestampExpected = "an RFC 3339 time with a zone such as 2024-05-01T00:00:00Z, or epoch milliseconds"
            guard let text = reader.text(valueNode, at: valuePath, expected: timestampExpected) else {
                return .earliest
            }
            if let milliseconds = Int64(text) ?? RFC3339.milliseconds(from: text) {
                return .timestamp(millisecondsSinceEpoch: milliseconds)
            }
            reader.report(
                .invalidValue, at: valuePath, node: valueNode, value: text, expected: timestampExpected,
                message: "'\(text)' is not a timestamp; expected \(timestampExpected)")
            return .earliest
        }
        guard let text = reader.text(node, at: path, expected: expected) else { return .earliest }
        switch text.lowercased() {
        case "earliest": return .earliest
        case "latest": return .latest
        default:
            reader.report(
                .invalidValue, at: path, node: node, value: text, expected: expected,
                message: "'\(text)' is not a start position; expected \(expected)")
            return .earliest
        }
    }
}
