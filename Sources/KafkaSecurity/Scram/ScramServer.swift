/// The server side of a SCRAM exchange (RFC 5802) as a state machine: message in,
/// challenge or verdict out. The broker's SASL session drives it.
public struct ScramServer: Sendable {
    public enum Step: Sendable, Equatable {
        /// Send these bytes and wait for the client's next message.
        case challenge([UInt8])
        /// The client proved it knows the password; send the final message.
        case authenticated(user: String, finalMessage: [UInt8])
    }

    private enum State: Sendable {
        case awaitingFirst
        case awaitingFinal(user: String, credential: ScramCredential, clientFirstBare: String, serverFirst: String, nonce: String)
        case done
    }

    public let algorithm: ScramAlgorithm
    private let serverNonce: String
    private var state = State.awaitingFirst

    public init(algorithm: ScramAlgorithm, nonce: String? = nil) {
        self.algorithm = algorithm
        self.serverNonce = nonce ?? ScramNonce.make()
    }

    /// The user named in the client's first message, once it arrived.
    public var user: String? {
        if case .awaitingFinal(let user, _, _, _, _) = state { return user }
        return nil
    }

    /// Handles the client's next message. `credential` looks a user up. Throws
    /// `SaslFailure` when the client must be refused.
    public mutating func receive(_ bytes: [UInt8], credential: (String) -> ScramCredential?) throws -> Step {
        let text = String(decoding: bytes, as: UTF8.self)
        switch state {
        case .awaitingFirst:
            // gs2-header: "n,," or "y,," optionally with "a=authzid"; channel binding ("p=") is not offered.
            let parts = text.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "n" || parts[0] == "y" else {
                throw SaslFailure(user: nil, reason: "malformed SCRAM client-first message")
            }
            let bare = String(parts[2])
            let message: ScramMessage
            let user: String
            let clientNonce: String
            do {
                message = try ScramMessage(parsing: bare)
                user = try ScramMessage.unescape(try message.required("n"))
                clientNonce = try message.required("r")
            } catch {
                throw SaslFailure(user: nil, reason: "malformed SCRAM client-first message")
            }
            guard let stored = credential(user) else {
                throw SaslFailure(user: user, reason: "unknown user or wrong password")
            }
            let nonce = clientNonce + serverNonce
            let serverFirst = "r=\(nonce),s=\(ScramMessage.base64(stored.salt)),i=\(stored.iterations)"
            state = .awaitingFinal(user: user, credential: stored, clientFirstBare: bare, serverFirst: serverFirst, nonce: nonce)
            return .challenge(Array(serverFirst.utf8))
        case .awaitingFinal(let user, let stored, let clientFirstBare, let serverFirst, let nonce):
            state = .done
            let message: ScramMessage
            let proof: [UInt8]
            do {
                message = try ScramMessage(parsing: text)
                proof = try ScramMessage.decodeBase64(try message.required("p"))
                // Kafka accepts a nonce that ends with ours, not only one equal to it:
                // librdkafka sends its own nonce again in front of the combined one.
                guard try message.required("r").hasSuffix(nonce) else {
                    throw SaslFailure(user: user, reason: "SCRAM nonce mismatch")
                }
                _ = try message.required("c")
            } catch let failure as SaslFailure {
                throw failure
            } catch {
                throw SaslFailure(user: user, reason: "malformed SCRAM client-final message")
            }
            // The client-final message without ",p=...": everything before the proof.
            guard let proofRange = text.range(of: ",p=", options: .backwards) else {
                throw SaslFailure(user: user, reason: "malformed SCRAM client-final message")
            }
            let withoutProof = text[..<proofRange.lowerBound]
            let authMessage = Array("\(clientFirstBare),\(serverFirst),\(withoutProof)".utf8)
            let clientSignature = algorithm.hmac(key: stored.storedKey, authMessage)
            let clientKey = xor(proof, clientSignature)
            guard proof.count == stored.storedKey.count, constantTimeEqual(algorithm.hash(clientKey), stored.storedKey) else {
                throw SaslFailure(user: user, reason: "unknown user or wrong password")
            }
            let serverSignature = algorithm.hmac(key: stored.serverKey, authMessage)
            return .authenticated(user: user, finalMessage: Array("v=\(ScramMessage.base64(serverSignature))".utf8))
        case .done:
            throw SaslFailure(user: nil, reason: "SCRAM exchange already finished")
        }
    }
}

/// A refused SASL authentication: for whom (when known) and why. The reason never
/// holds a password or token.
public struct SaslFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var user: String?
    public var reason: String

    public init(user: String?, reason: String) {
        self.user = user
        self.reason = reason
    }

    public var description: String {
        user.map { "SASL authentication failed for user \($0): \(reason)" } ?? "SASL authentication failed: \(reason)"
    }
}
