/// The client side of a SCRAM exchange (RFC 5802), as a state machine that only
/// produces and checks messages; the connection carries them in SaslAuthenticate.
///
/// client-first  n,,n=user,r=cnonce
/// server-first  r=cnonce+snonce,s=salt,i=iterations
/// client-final  c=biws,r=cnonce+snonce,p=proof
/// server-final  v=signature (checked, so a server that does not know the password
///               cannot pretend to have authenticated us)
public struct ScramClient: Sendable {
    private enum State: Sendable {
        case initial
        case sentFirst(bare: String)
        case sentFinal(expectedSignature: [UInt8])
        case authenticated
    }

    public let algorithm: ScramAlgorithm
    public let username: String
    private let password: SecretValue
    private let clientNonce: String
    private var state = State.initial

    /// `nonce` is random unless a test fixes it.
    public init(algorithm: ScramAlgorithm, username: String, password: SecretValue, nonce: String? = nil) {
        self.algorithm = algorithm
        self.username = username
        self.password = password
        self.clientNonce = nonce ?? ScramNonce.make()
    }

    /// The gs2 header: no channel binding, no authorization identity.
    private static let gs2Header = "n,,"

    public mutating func firstMessage() -> [UInt8] {
        let bare = "n=\(ScramMessage.escape(username)),r=\(clientNonce)"
        state = .sentFirst(bare: bare)
        return Array((Self.gs2Header + bare).utf8)
    }

    public mutating func finalMessage(serverFirst bytes: [UInt8]) throws -> [UInt8] {
        guard case .sentFirst(let clientFirstBare) = state else {
            throw SecurityError("SCRAM: server-first message out of order")
        }
        let serverFirst = String(decoding: bytes, as: UTF8.self)
        let message = try ScramMessage(parsing: serverFirst)
        if let error = message["e"] { throw SecurityError("SCRAM: the broker refused: \(error)") }
        let nonce = try message.required("r")
        guard nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else {
            throw SecurityError("SCRAM: the broker's nonce does not extend ours")
        }
        let salt = try ScramMessage.decodeBase64(try message.required("s"))
        guard let iterations = Int(try message.required("i")), iterations >= 1 else {
            throw SecurityError("SCRAM: the broker sent an invalid iteration count")
        }
        let keys = try ScramKeys(password: password.revealed, salt: salt, iterations: iterations, algorithm: algorithm)
        let channelBinding = ScramMessage.base64(Array(Self.gs2Header.utf8))
        let withoutProof = "c=\(channelBinding),r=\(nonce)"
        let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
        let clientSignature = algorithm.hmac(key: keys.storedKey, authMessage)
        let proof = xor(keys.clientKey, clientSignature)
        state = .sentFinal(expectedSignature: algorithm.hmac(key: keys.serverKey, authMessage))
        return Array("\(withoutProof),p=\(ScramMessage.base64(proof))".utf8)
    }

    public mutating func verify(serverFinal bytes: [UInt8]) throws {
        guard case .sentFinal(let expected) = state else {
            throw SecurityError("SCRAM: server-final message out of order")
        }
        let message = try ScramMessage(parsing: String(decoding: bytes, as: UTF8.self))
        if let error = message["e"] { throw SecurityError("SCRAM: the broker refused: \(error)") }
        let signature = try ScramMessage.decodeBase64(try message.required("v"))
        guard constantTimeEqual(signature, expected) else {
            throw SecurityError("SCRAM: the broker's signature is wrong (it does not know the password)")
        }
        state = .authenticated
    }
}
