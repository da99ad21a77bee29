import KafkaProtocol
import KafkaSecurity
import Testing

@testable import KafkaBroker

/// The SASL session of a connection as scripts: request in, response and verdict out.
@Suite struct SaslServerSessionTests {
    static let users: ScramUserStore = {
        var store = ScramUserStore()
        try! store.add(user: "alice", password: SecretValue("wonderland"))
        return store
    }()

    @Test func plainSucceedsWithTheRightPassword() {
        var session = SaslServerSession(enabledMechanisms: SaslMechanism.allCases)
        let handshake = session.handshake(SaslHandshakeRequest(mechanism: "PLAIN"))
        #expect(handshake.errorCode == 0)
        #expect(handshake.mechanisms == ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
        let (response, verdict) = session.authenticate(
            SaslAuthenticateRequest(authBytes: SaslPlain.message(username: "alice", password: SecretValue("wonderland"))),
            users: Self.users)
        #expect(response.errorCode == 0)
        #expect(verdict == .authenticated(.user("alice")))
        #expect(session.isAuthenticated)
    }

    @Test func plainRefusesAWrongPasswordWithoutSayingWhichPartWasWrong() {
        var session = SaslServerSession(enabledMechanisms: [.plain])
        _ = session.handshake(SaslHandshakeRequest(mechanism: "PLAIN"))
        let (response, verdict) = session.authenticate(
            SaslAuthenticateRequest(authBytes: SaslPlain.message(username: "alice", password: SecretValue("hatter"))),
            users: Self.users)
        #expect(response.errorCode == KafkaErrorCode.saslAuthenticationFailed.rawValue)
        #expect(response.errorMessage?.contains("hatter") == false)
        #expect(verdict == .refused(SaslFailure(user: "alice", reason: "unknown user or wrong password")))
        #expect(!session.isAuthenticated)
    }

    @Test func aMechanismThatIsNotEnabledIsRefused() {
        var session = SaslServerSession(enabledMechanisms: [.scramSHA512])
        let handshake = session.handshake(SaslHandshakeRequest(mechanism: "PLAIN"))
        #expect(handshake.errorCode == KafkaErrorCode.unsupportedSaslMechanism.rawValue)
        #expect(handshake.mechanisms == ["SCRAM-SHA-512"])
    }

    @Test func authenticateBeforeHandshakeIsAnIllegalState() {
        var session = SaslServerSession(enabledMechanisms: SaslMechanism.allCases)
        let (response, verdict) = session.authenticate(SaslAuthenticateRequest(authBytes: []), users: Self.users)
        #expect(response.errorCode == KafkaErrorCode.illegalSaslState.rawValue)
        guard case .refused = verdict else {
            Issue.record("expected a refusal, got \(verdict)")
            return
        }
    }

    @Test func scramTakesTwoRoundTrips() throws {
        var session = SaslServerSession(enabledMechanisms: SaslMechanism.allCases)
        _ = session.handshake(SaslHandshakeRequest(mechanism: "SCRAM-SHA-256"))
        var client = ScramClient(algorithm: .sha256, username: "alice", password: SecretValue("wonderland"))
        let (first, pending) = session.authenticate(SaslAuthenticateRequest(authBytes: client.firstMessage()), users: Self.users)
        #expect(pending == .pending)
        let final = try client.finalMessage(serverFirst: first.authBytes)
        let (last, verdict) = session.authenticate(SaslAuthenticateRequest(authBytes: final), users: Self.users)
        #expect(verdict == .authenticated(.user("alice")))
        try client.verify(serverFinal: last.authBytes)
        // A second handshake on an authenticated connection is refused.
        #expect(session.handshake(SaslHandshakeRequest(mechanism: "PLAIN")).errorCode == KafkaErrorCode.illegalSaslState.rawValue)
    }
}
