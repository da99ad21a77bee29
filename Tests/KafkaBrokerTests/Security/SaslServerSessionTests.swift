import Foundation
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

/// The users file of `causeway broker add-user`: salted credentials only, read back alike.
@Suite struct ScramUserStoreFileTests {
    @Test func savedUsersLoadBackAndHoldNoPassword() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("causeway-users-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try ScramUserStore.load(dataDirectory: directory).names.isEmpty)
        var users = ScramUserStore()
        try users.add(user: "alice", password: SecretValue("wonderland"))
        try users.add(user: "bob", password: SecretValue("builder"), iterations: 8192)
        try users.save(dataDirectory: directory)
        let text = try String(contentsOfFile: ScramUserStore.path(dataDirectory: directory), encoding: .utf8)
        #expect(!text.contains("wonderland") && !text.contains("builder"))
        let loaded = try ScramUserStore.load(dataDirectory: directory)
        #expect(loaded.names == ["alice", "bob"])
        #expect(loaded.verifyPlain(user: "alice", password: "wonderland"))
        #expect(!loaded.verifyPlain(user: "alice", password: "builder"))
        #expect(loaded.credential(user: "bob", algorithm: .sha256)?.iterations == 8192)
        #expect(loaded.credential(user: "bob", algorithm: .sha256) == users.credential(user: "bob", algorithm: .sha256))
    }

    @Test func aDamagedFileIsAClearError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("causeway-users-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "{not json".write(toFile: ScramUserStore.path(dataDirectory: directory), atomically: true, encoding: .utf8)
        #expect(throws: SecurityError.self) { try ScramUserStore.load(dataDirectory: directory) }
    }
}
