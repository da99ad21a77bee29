import Foundation
import Testing

@testable import KafkaSecurity

/// RFC 7677 section 3's SCRAM-SHA-256 example, run through both state machines.
@Suite struct ScramTests {
    static let clientNonce = "rOprNGfwEbeRWgbNEkqO"
    static let serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    static let salt = "W22ZaJ0SNY7soEsUEjb6gQ=="
    static let serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    static let clientFinal =
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    static let serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

    @Test func clientProducesRFC7677Messages() throws {
        var client = ScramClient(algorithm: .sha256, username: "user", password: SecretValue("pencil"), nonce: Self.clientNonce)
        #expect(String(decoding: client.firstMessage(), as: UTF8.self) == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
        let final = try client.finalMessage(serverFirst: Array(Self.serverFirst.utf8))
        #expect(String(decoding: final, as: UTF8.self) == Self.clientFinal)
        try client.verify(serverFinal: Array(Self.serverFinal.utf8))
    }

    @Test func clientRejectsAForgedServerSignature() throws {
        var client = ScramClient(algorithm: .sha256, username: "user", password: SecretValue("pencil"), nonce: Self.clientNonce)
        _ = client.firstMessage()
        _ = try client.finalMessage(serverFirst: Array(Self.serverFirst.utf8))
        #expect(throws: SecurityError.self) {
            try client.verify(serverFinal: Array("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".utf8))
        }
    }

    @Test func clientRejectsANonceThatDoesNotExtendItsOwn() {
        var client = ScramClient(algorithm: .sha256, username: "user", password: SecretValue("pencil"), nonce: Self.clientNonce)
        _ = client.firstMessage()
        #expect(throws: SecurityError.self) {
            _ = try client.finalMessage(serverFirst: Array("r=someoneelse,s=\(Self.salt),i=4096".utf8))
        }
    }

    @Test func serverProducesRFC7677Messages() throws {
        let credential = try ScramCredential(
            password: SecretValue("pencil"), algorithm: .sha256, iterations: 4096,
            salt: try ScramMessage.decodeBase64(Self.salt))
        var server = ScramServer(algorithm: .sha256, nonce: Self.serverNonce)
        let first = try server.receive(Array("n,,n=user,r=rOprNGfwEbeRWgbNEkqO".utf8)) { $0 == "user" ? credential : nil }
        #expect(first == .challenge(Array(Self.serverFirst.utf8)))
        let final = try server.receive(Array(Self.clientFinal.utf8)) { _ in nil }
        #expect(final == .authenticated(user: "user", finalMessage: Array(Self.serverFinal.utf8)))
    }

    @Test(arguments: [ScramAlgorithm.sha256, .sha512])
    func clientAndServerAgree(algorithm: ScramAlgorithm) throws {
        let credential = try ScramCredential(password: SecretValue("s3cret,=x"), algorithm: algorithm)
        var client = ScramClient(algorithm: algorithm, username: "al=ice,", password: SecretValue("s3cret,=x"))
        var server = ScramServer(algorithm: algorithm)
        guard case .challenge(let challenge) = try server.receive(client.firstMessage(), credential: { $0 == "al=ice," ? credential : nil })
        else { Issue.record("no challenge"); return }
        let step = try server.receive(try client.finalMessage(serverFirst: challenge)) { _ in nil }
        guard case .authenticated(let user, let final) = step else { Issue.record("not authenticated"); return }
        #expect(user == "al=ice,")
        try client.verify(serverFinal: final)
    }

    @Test func serverRefusesAWrongPassword() throws {
        let credential = try ScramCredential(password: SecretValue("right"), algorithm: .sha512)
        var client = ScramClient(algorithm: .sha512, username: "alice", password: SecretValue("wrong"))
        var server = ScramServer(algorithm: .sha512)
        guard case .challenge(let challenge) = try server.receive(client.firstMessage(), credential: { _ in credential })
        else { Issue.record("no challenge"); return }
        let final = try client.finalMessage(serverFirst: challenge)
        #expect(throws: SaslFailure(user: "alice", reason: "unknown user or wrong password")) {
            _ = try server.receive(final) { _ in nil }
        }
    }

    /// librdkafka (2.x) repeats its nonce before the combined one in client-final; Kafka
    /// accepts that, and so must we, with the proof computed over what was sent.
    @Test func serverAcceptsLibrdkafkasRepeatedClientNonce() throws {
        let credential = try ScramCredential(password: SecretValue("pencil"), algorithm: .sha512)
        var server = ScramServer(algorithm: .sha512, nonce: "SERVER")
        guard case .challenge(let first) = try server.receive(Array("n,,n=user,r=CLIENT".utf8), credential: { _ in credential })
        else { Issue.record("no challenge"); return }
        let serverFirst = String(decoding: first, as: UTF8.self)
        let keys = try ScramKeys(password: "pencil", salt: credential.salt, iterations: credential.iterations, algorithm: .sha512)
        let withoutProof = "c=biws,r=CLIENTCLIENTSERVER"
        let authMessage = Array("n=user,r=CLIENT,\(serverFirst),\(withoutProof)".utf8)
        let proof = xor(keys.clientKey, ScramAlgorithm.sha512.hmac(key: keys.storedKey, authMessage))
        let step = try server.receive(Array("\(withoutProof),p=\(ScramMessage.base64(proof))".utf8)) { _ in nil }
        guard case .authenticated(let user, _) = step else { Issue.record("not authenticated"); return }
        #expect(user == "user")
    }

    @Test func serverRefusesAnUnknownUser() {
        var server = ScramServer(algorithm: .sha256)
        #expect(throws: SaslFailure.self) {
            _ = try server.receive(Array("n,,n=mallory,r=abc".utf8)) { _ in nil }
        }
    }

    /// RFC 7914 section 11, PBKDF2-HMAC-SHA-256, first 32 bytes of the 64-byte key.
    @Test func pbkdf2MatchesRFC7914() throws {
        let key = try ScramAlgorithm.sha256.saltedPassword("passwd", salt: Array("salt".utf8), iterations: 1)
        #expect(hex(key) == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc")
    }

    @Test func plainCredentialCheckUsesTheScramCredential() throws {
        let credential = try ScramCredential(password: SecretValue("pw"), algorithm: .sha512)
        #expect(credential.matches(password: "pw", algorithm: .sha512))
        #expect(!credential.matches(password: "pW", algorithm: .sha512))
    }

    @Test func plainMessageRoundTrips() {
        let bytes = SaslPlain.message(username: "bob", password: SecretValue("pa ss"))
        let parsed = SaslPlain.parse(bytes)
        #expect(parsed?.user == "bob")
        #expect(parsed?.password == "pa ss")
        #expect(SaslPlain.parse(Array("mallory\0bob\0pw".utf8)) == nil)
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
