import KafkaProtocol
import KafkaSecurity

extension KafkaConnection {
    /// Authenticates the connection: SaslHandshake v1 names the mechanism, then
    /// SaslAuthenticate requests carry its messages (KIP-152), so a refusal comes back as
    /// an error code with the broker's message instead of a closed socket.
    func authenticate(_ credentials: SaslCredentials) async throws {
        let handshakeVersion = try version(for: .saslHandshake)
        guard handshakeVersion >= 1 else {
            throw failure("the broker offers only SaslHandshake v0 (no SaslAuthenticate, KIP-152); Kafka 1.0 or newer is needed")
        }
        let handshake = try await send(SaslHandshakeRequest(mechanism: credentials.mechanism.rawValue), version: 1)
        switch KafkaErrorCode(rawValue: handshake.errorCode) {
        case .none:
            break
        case .unsupportedSaslMechanism:
            throw failure(
                "the broker does not enable SASL mechanism \(credentials.mechanism); it offers \(handshake.mechanisms.joined(separator: ", "))")
        case .illegalSaslState:
            throw failure("the listener does not use SASL; check security.protocol")
        case let code:
            throw failure("SaslHandshake failed with \(code)")
        }
        switch credentials.mechanism {
        case .plain:
            _ = try await exchange(SaslPlain.message(username: credentials.username, password: credentials.password), credentials)
        case .scramSHA256, .scramSHA512:
            var scram = ScramClient(
                algorithm: credentials.mechanism.scramAlgorithm!, username: credentials.username, password: credentials.password)
            let serverFirst = try await exchange(scram.firstMessage(), credentials)
            let serverFinal = try await exchange(try scramStep(credentials) { try scram.finalMessage(serverFirst: serverFirst) }, credentials)
            try scramStep(credentials) { try scram.verify(serverFinal: serverFinal) }
        }
    }

    /// One SaslAuthenticate round trip; a refusal names the user and the broker.
    private func exchange(_ message: [UInt8], _ credentials: SaslCredentials) async throws -> [UInt8] {
        let response = try await send(SaslAuthenticateRequest(authBytes: message))
        guard response.errorCode == 0 else {
            let reason = response.errorMessage ?? "\(KafkaErrorCode(rawValue: response.errorCode))"
            throw failure("SASL authentication failed for user \(credentials.username) at \(endpoint): \(reason)")
        }
        return response.authBytes
    }

    private func scramStep<Result>(_ credentials: SaslCredentials, _ step: () throws -> Result) throws -> Result {
        do {
            return try step()
        } catch {
            throw failure("SASL authentication failed for user \(credentials.username) at \(endpoint): \(error)")
        }
    }

    private func failure(_ reason: String) -> KafkaClientError {
        KafkaClientError(.securityFailed(reason), broker: endpoint.description)
    }
}
