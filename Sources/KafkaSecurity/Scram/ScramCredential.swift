import Foundation

/// What a server keeps of a SCRAM user: salt, iterations, StoredKey and ServerKey
/// (RFC 5802 section 3), never the password.
public struct ScramCredential: Hashable, Sendable, Codable {
    public var salt: [UInt8]
    public var iterations: Int
    public var storedKey: [UInt8]
    public var serverKey: [UInt8]

    public init(salt: [UInt8], iterations: Int, storedKey: [UInt8], serverKey: [UInt8]) {
        self.salt = salt
        self.iterations = iterations
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    /// Derives the credential of `password` with a fresh random salt (or the given one).
    public init(
        password: SecretValue, algorithm: ScramAlgorithm, iterations: Int = ScramAlgorithm.minimumIterations,
        salt: [UInt8]? = nil
    ) throws {
        let salt = salt ?? ScramNonce.randomBytes(count: 16)
        let keys = try ScramKeys(password: password.revealed, salt: salt, iterations: iterations, algorithm: algorithm)
        self.init(salt: salt, iterations: iterations, storedKey: keys.storedKey, serverKey: keys.serverKey)
    }

    private enum CodingKeys: String, CodingKey {
        case salt, iterations, storedKey, serverKey
    }

    /// Stored as Kafka shows SCRAM credentials: base64 salt and keys, the iteration count.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func bytes(_ key: CodingKeys) throws -> [UInt8] {
            let text = try container.decode(String.self, forKey: key)
            guard let data = Data(base64Encoded: text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not base64")
            }
            return Array(data)
        }
        self.init(
            salt: try bytes(.salt), iterations: try container.decode(Int.self, forKey: .iterations),
            storedKey: try bytes(.storedKey), serverKey: try bytes(.serverKey))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Data(salt).base64EncodedString(), forKey: .salt)
        try container.encode(iterations, forKey: .iterations)
        try container.encode(Data(storedKey).base64EncodedString(), forKey: .storedKey)
        try container.encode(Data(serverKey).base64EncodedString(), forKey: .serverKey)
    }

    /// True when `password` is the one this credential was made from (for SASL PLAIN).
    public func matches(password: String, algorithm: ScramAlgorithm) -> Bool {
        guard let keys = try? ScramKeys(password: password, salt: salt, iterations: iterations, algorithm: algorithm) else {
            return false
        }
        return constantTimeEqual(keys.storedKey, storedKey)
    }
}

/// The keys RFC 5802 derives from a password.
struct ScramKeys {
    let clientKey: [UInt8]
    let storedKey: [UInt8]
    let serverKey: [UInt8]

    init(password: String, salt: [UInt8], iterations: Int, algorithm: ScramAlgorithm) throws {
        let salted = try algorithm.saltedPassword(password, salt: salt, iterations: iterations)
        clientKey = algorithm.hmac(key: salted, Array("Client Key".utf8))
        storedKey = algorithm.hash(clientKey)
        serverKey = algorithm.hmac(key: salted, Array("Server Key".utf8))
    }
}

/// Compares two byte strings without stopping at the first difference, so timing does
/// not tell an attacker how much of a proof was right.
func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
    guard left.count == right.count else { return false }
    var difference: UInt8 = 0
    for (a, b) in zip(left, right) { difference |= a ^ b }
    return difference == 0
}

func xor(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
    zip(left, right).map { $0 ^ $1 }
}

/// Random nonces and salts.
enum ScramNonce {
    static func randomBytes(count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// A printable nonce without ',' (RFC 5802: any printable ASCII except ',').
    static func make() -> String {
        Data(randomBytes(count: 24)).base64EncodedString()
    }
}
