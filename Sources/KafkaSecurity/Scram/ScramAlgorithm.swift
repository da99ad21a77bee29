import Crypto
import _CryptoExtras

/// The hash of a SCRAM mechanism and the RFC 5802 functions built on it.
public enum ScramAlgorithm: Hashable, Sendable {
    case sha256
    case sha512

    /// Kafka's minimum iteration count for SCRAM credentials.
    public static let minimumIterations = 4096

    public var mechanism: SaslMechanism {
        switch self {
        case .sha256: .scramSHA256
        case .sha512: .scramSHA512
        }
    }

    /// H(data).
    func hash(_ data: [UInt8]) -> [UInt8] {
        switch self {
        case .sha256: Array(SHA256.hash(data: data))
        case .sha512: Array(SHA512.hash(data: data))
        }
    }

    /// HMAC(key, data).
    func hmac(key: [UInt8], _ data: [UInt8]) -> [UInt8] {
        let key = SymmetricKey(data: key)
        switch self {
        case .sha256: return Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
        case .sha512: return Array(HMAC<SHA512>.authenticationCode(for: data, using: key))
        }
    }

    /// Hi(password, salt, i) of RFC 5802: PBKDF2 with HMAC of this hash, one block long.
    func saltedPassword(_ password: String, salt: [UInt8], iterations: Int) throws -> [UInt8] {
        let function: KDF.Insecure.PBKDF2.HashFunction
        let length: Int
        switch self {
        case .sha256: (function, length) = (.sha256, 32)
        case .sha512: (function, length) = (.sha512, 64)
        }
        // SCRAM's iteration counts (4096 by Kafka's default) are below the library's
        // general-purpose minimum, hence the unchecked variant.
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: function, outputByteCount: length,
            unsafeUncheckedRounds: iterations)
        return key.withUnsafeBytes { Array($0) }
    }
}
