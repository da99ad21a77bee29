import Foundation

/// The `k=v,k=v` attribute lists SCRAM messages are made of (RFC 5802 section 5).
struct ScramMessage {
    private(set) var attributes: [(key: Character, value: String)] = []

    init(parsing text: String) throws {
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard part.count >= 2, part.dropFirst().first == "=", let key = part.first else {
                throw SecurityError("malformed SCRAM message")
            }
            attributes.append((key, String(part.dropFirst(2))))
        }
    }

    subscript(key: Character) -> String? {
        attributes.first { $0.key == key }?.value
    }

    func required(_ key: Character) throws -> String {
        guard let value = self[key] else { throw SecurityError("SCRAM message lacks its '\(key)' attribute") }
        return value
    }

    /// saslname escaping: ',' as "=2C" and '=' as "=3D".
    static func escape(_ name: String) -> String {
        name.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
    }

    static func unescape(_ name: String) throws -> String {
        var result = ""
        var rest = Substring(name)
        while let equals = rest.firstIndex(of: "=") {
            result += rest[..<equals]
            let code = rest[equals...].prefix(3)
            switch code {
            case "=2C": result += ","
            case "=3D": result += "="
            default: throw SecurityError("malformed SCRAM user name")
            }
            rest = rest[equals...].dropFirst(3)
        }
        return result + rest
    }

    static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    static func decodeBase64(_ text: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: text) else { throw SecurityError("malformed base64 in SCRAM message") }
        return Array(data)
    }
}
