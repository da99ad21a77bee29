import Foundation
import KafkaBroker
import KafkaSecurity
import TestSupport
import XCTest

@testable import KafkaClient

/// The client's TLS against the embedded broker's SSL listener, with certificates made
/// by the openssl CLI at run time: a trusted one, an expired one and one from another CA.
final class ClientTLSTests: XCTestCase {
    /// Runs openssl in `directory`; the test is skipped where openssl is missing.
    private static func openssl(_ arguments: [String], in directory: String) throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            throw XCTSkip("openssl is not installed (make deps)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "openssl \(arguments.joined(separator: " "))")
    }

    /// CA "ca", another CA "other", and server certificates for 127.0.0.1: "server"
    /// (signed by ca), "expired" (by ca, ended yesterday), "untrusted" (by other).
    private static func makeCertificates(in directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for ca in ["ca", "other"] {
            try openssl(
                ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(ca).key", "-out", "\(ca).pem", "-days", "30",
                 "-subj", "/CN=Test \(ca)"], in: directory)
        }
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\n".write(
            toFile: directory + "/san.ext", atomically: true, encoding: .utf8)
        for (name, ca, days) in [("server", "ca", "30"), ("expired", "ca", "-1"), ("untrusted", "other", "30")] {
            try openssl(
                ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=localhost"],
                in: directory)
            try openssl(
                ["x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-CAcreateserial", "-out",
                 "\(name).pem", "-days", days, "-extfile", "san.ext"], in: directory)
        }
    }

    private func withTLSCluster(
        certificate: String, _ body: @Sendable (_ directory: String, _ bootstrap: String) async throws -> Void
    ) async throws {
        let directory = temporaryPath("pki")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.makeCertificates(in: directory)
        try await withEmbeddedCluster(configure: { configuration in
            let tls = ServerTLSSettings(certificateFile: "\(directory)/\(certificate).pem", keyFile: "\(directory)/\(certificate).key")
            configuration.listeners = [ListenerConfiguration(security: .ssl(tls), host: "127.0.0.1", port: 0)]
        }) { cluster, _ in
            try await body(directory, cluster.bootstrapServers(listener: "SSL"))
        }
    }

    private static func connectionError(_ bootstrap: String, caFile: String) async -> String {
        var configuration = KafkaClientConfiguration(bootstrap: bootstrap)!
        configuration.security = .ssl(TLSSettings(caFile: caFile))
        do {
            let connection = try await KafkaConnection.connect(to: configuration.bootstrapServers[0], configuration: configuration)
            await connection.close()
            return "connected"
        } catch {
            return "\(error)"
        }
    }

    func testTrustedCertificateServesMetadataWithTheTLSListener() async throws {
        try await withTLSCluster(certificate: "server") { directory, bootstrap in
            var configuration = KafkaClientConfiguration(bootstrap: bootstrap)!
            configuration.security = .ssl(TLSSettings(caFile: "\(directory)/ca.pem"))
            let client = KafkaClient(configuration: configuration)
            let snapshot = try await client.refreshMetadata()
            XCTAssertEqual(snapshot.brokers.values.map { "\($0.host):\($0.port)" }, [bootstrap])
            await client.shutdown()
        }
    }

    func testUnknownCAAndExpiredCertificateAreToldApart() async throws {
        try await withTLSCluster(certificate: "untrusted") { directory, bootstrap in
            let error = await Self.connectionError(bootstrap, caFile: "\(directory)/ca.pem")
            XCTAssertTrue(error.contains("the broker's certificate is signed by an unknown CA"), error)
        }
        try await withTLSCluster(certificate: "expired") { directory, bootstrap in
            let error = await Self.connectionError(bootstrap, caFile: "\(directory)/ca.pem")
            XCTAssertTrue(error.contains("the broker's certificate expired at"), error)
        }
    }

    func testAMissingCAFileIsASettingsError() async throws {
        try await withTLSCluster(certificate: "server") { directory, bootstrap in
            let error = await Self.connectionError(bootstrap, caFile: "\(directory)/missing.pem")
            XCTAssertTrue(error.contains("the CA file \(directory)/missing.pem does not exist"), error)
        }
    }
}
