import Testing

@testable import KafkaSecurity

@Suite struct SecretValueTests {
    @Test func secretsNeverPrint() {
        let secret = SecretValue("hunter2")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter2"))
    }

    @Test func settingsThatHoldSecretsNeverPrintThem() {
        let sasl = SaslCredentials(mechanism: .scramSHA512, username: "alice", password: SecretValue("hunter2"))
        let tls = TLSSettings(caFile: "/ca.pem", certificateFile: "/c.pem", keyFile: "/k.pem", keyPassword: SecretValue("keypass"))
        let security = SecurityProtocol.saslSSL(tls, sasl)
        for text in ["\(sasl)", "\(tls)", "\(security)", String(reflecting: security), String(reflecting: tls)] {
            #expect(!text.contains("hunter2"))
            #expect(!text.contains("keypass"))
        }
        var dumped = ""
        dump(security, to: &dumped)
        #expect(!dumped.contains("hunter2") && !dumped.contains("keypass"))
        #expect(dumped.contains("alice"))
    }
}
