import Causeway
import Foundation
import KafkaSecurity
import Testing

/// `security:` of a cluster: protocols, TLS and SASL settings, secrets and their redaction.
@Suite struct SecurityConfigurationTests {
    /// `minimalLink` with `security` under the source (indented as a source key).
    private func link(sourceSecurity yaml: String) -> String {
        let indented = yaml.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
        return minimalLink.replacingOccurrences(of: "  bootstrap: src-1:9092", with: "  bootstrap: src-1:9092\n" + indented)
    }

    @Test func saslSSLWithEverySetting() throws {
        let yaml = link(
            sourceSecurity: """
                security:
                  protocol: sasl_ssl
                  tls:
                    caFile: /etc/causeway/ca.pem
                    certificateFile: /etc/causeway/client.pem
                    keyFile: /etc/causeway/client.key
                    keyPassword: env:KEY_PASSWORD
                    verifyHostname: false
                  sasl:
                    mechanism: scram-sha-512
                    username: causeway
                    password: env:SASL_PASSWORD
                """)
        let link = try LinkConfiguration(yaml: yaml, environment: ["KEY_PASSWORD": "k3y", "SASL_PASSWORD": "s3cret"])
        let tls = TLSSettings(
            caFile: "/etc/causeway/ca.pem", certificateFile: "/etc/causeway/client.pem", keyFile: "/etc/causeway/client.key",
            keyPassword: SecretValue("k3y"), verifyHostname: false)
        let sasl = SaslCredentials(mechanism: .scramSHA512, username: "causeway", password: SecretValue("s3cret"))
        #expect(link.source.security == .saslSSL(tls, sasl))
        #expect(link.source.clientConfiguration.security == .saslSSL(tls, sasl))
        #expect(link.destinations[0].cluster.security == .plaintext)
    }

    @Test func bareNamesAndDefaults() throws {
        let ssl = try LinkConfiguration(yaml: link(sourceSecurity: "security: SSL"))
        #expect(ssl.source.security == .ssl(TLSSettings()))
        #expect(TLSSettings().verifyHostname)
        let plain = try LinkConfiguration(
            yaml: link(
                sourceSecurity: """
                    security:
                      protocol: SASL_PLAINTEXT
                      sasl: {mechanism: PLAIN, username: bob, password: literal}
                    """))
        #expect(plain.source.security == .saslPlaintext(SaslCredentials(mechanism: .plain, username: "bob", password: SecretValue("literal"))))
    }

    @Test func passwordFromAFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("causeway-secret-\(UUID().uuidString)").path
        try "from-file\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let link = try LinkConfiguration(
            yaml: link(
                sourceSecurity: """
                    security:
                      protocol: SASL_SSL
                      sasl: {mechanism: SCRAM-SHA-256, username: u, password: "file:\(path)"}
                    """))
        #expect(link.source.security.sasl?.password.revealed == "from-file")
    }

    @Test func missingEnvironmentVariableNamesItButNoSecret() throws {
        let error = try #require(
            problem(
                link(
                    sourceSecurity: """
                        security:
                          protocol: SASL_SSL
                          sasl: {mechanism: SCRAM-SHA-512, username: u, password: env:NOT_SET_ANYWHERE}
                        """)))
        #expect(error.keyPath == "source.security.sasl.password")
        #expect(error.message == "environment variable NOT_SET_ANYWHERE is not set")
        #expect(error.value == nil)
    }

    @Test func literalPasswordNeverAppearsInErrors() throws {
        // A problem elsewhere in the same section must not echo the password.
        let errors = problems(
            link(
                sourceSecurity: """
                    security:
                      protocol: SASL_SSL
                      sasl: {mechanism: SCRAM-SHA-1, username: u, password: hunter2}
                    """))
        #expect(errors.count == 1)
        #expect(errors.first?.keyPath == "source.security.sasl.mechanism")
        for error in errors { #expect(!"\(error)".contains("hunter2")) }
    }

    @Test func inconsistentSections() throws {
        let noSasl = try #require(problem(link(sourceSecurity: "security:\n  protocol: SASL_SSL")))
        #expect(noSasl.keyPath == "source.security.sasl")
        #expect(noSasl.message.contains("needs a sasl section"))

        let tlsOnPlaintext = try #require(
            problem(link(sourceSecurity: "security:\n  protocol: PLAINTEXT\n  tls: {caFile: /ca.pem}")))
        #expect(tlsOnPlaintext.keyPath == "source.security.tls")

        let halfCertificate = try #require(
            problem(link(sourceSecurity: "security:\n  protocol: SSL\n  tls: {certificateFile: /c.pem}")))
        #expect(halfCertificate.keyPath == "source.security.tls.keyFile")

        let badBool = try #require(
            problem(link(sourceSecurity: "security:\n  protocol: SSL\n  tls: {verifyHostname: maybe}")))
        #expect(badBool.keyPath == "source.security.tls.verifyHostname")

        let typo = try #require(
            problem(link(sourceSecurity: "security:\n  protocol: SSL\n  tls: {caFiel: /ca.pem}")))
        #expect(typo.message.contains("did you mean 'caFile'"))
    }

    @Test func descriptionsRedactSecrets() throws {
        let link = try LinkConfiguration(
            yaml: link(
                sourceSecurity: """
                    security:
                      protocol: SASL_SSL
                      tls: {certificateFile: /c.pem, keyFile: /k.pem, keyPassword: topsecretkey}
                      sasl: {mechanism: PLAIN, username: alice, password: topsecretpw}
                    """))
        var dumped = ""
        dump(link, to: &dumped)
        for text in [dumped, "\(link)", String(reflecting: link), "\(link.source.clientConfiguration)"] {
            #expect(!text.contains("topsecretkey"))
            #expect(!text.contains("topsecretpw"))
        }
        #expect(dumped.contains("<redacted>") || dumped.contains("alice"))
    }
}
