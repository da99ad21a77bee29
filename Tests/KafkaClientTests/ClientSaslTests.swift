import KafkaBroker
import KafkaProtocol
import KafkaSecurity
import TestSupport
import XCTest

@testable import KafkaClient

/// The client's SASL against the embedded broker's SASL_PLAINTEXT listener: every
/// mechanism, a refused password, and metadata that advertises the listener used.
final class ClientSaslTests: XCTestCase {
    private func withSaslCluster(_ body: @Sendable (EmbeddedCluster, String) async throws -> Void) async throws {
        try await withEmbeddedCluster(
            nodes: 2,
            configure: { configuration in
                configuration.listeners = [ListenerConfiguration(security: .saslPlaintext, host: "127.0.0.1", port: 0)]
                try! configuration.saslUsers.add(user: "alice", password: SecretValue("wonderland"))
            }
        ) { cluster, _ in
            try await body(cluster, cluster.bootstrapServers(listener: "SASL_PLAINTEXT"))
        }
    }

    private static func client(_ bootstrap: String, _ mechanism: SaslMechanism, password: String) -> KafkaClient {
        var configuration = KafkaClientConfiguration(bootstrap: bootstrap)!
        configuration.security = .saslPlaintext(SaslCredentials(mechanism: mechanism, username: "alice", password: SecretValue(password)))
        return KafkaClient(configuration: configuration)
    }

    func testEveryMechanismAuthenticatesAndMetadataAdvertisesTheSaslListener() async throws {
        try await withSaslCluster { cluster, bootstrap in
            let saslPorts = Set(bootstrap.split(separator: ",").map { Int($0.split(separator: ":")[1])! })
            XCTAssertEqual(saslPorts.count, 2)
            XCTAssertTrue(saslPorts.isDisjoint(with: cluster.nodes.map(\.port)))
            for mechanism in SaslMechanism.allCases {
                let client = Self.client(bootstrap, mechanism, password: "wonderland")
                let snapshot = try await client.refreshMetadata()
                XCTAssertEqual(Set(snapshot.brokers.values.map(\.port)), saslPorts, "\(mechanism)")
                await client.shutdown()
            }
        }
    }

    func testAWrongPasswordFailsInOneLineNamingUserAndBroker() async throws {
        try await withSaslCluster { _, bootstrap in
            let endpoint = KafkaClientConfiguration(bootstrap: bootstrap)!.bootstrapServers[0]
            for mechanism in SaslMechanism.allCases {
                var configuration = KafkaClientConfiguration(bootstrapServers: [endpoint])
                configuration.security = .saslPlaintext(
                    SaslCredentials(mechanism: mechanism, username: "alice", password: SecretValue("looking-glass")))
                do {
                    _ = try await KafkaConnection.connect(to: endpoint, configuration: configuration)
                    XCTFail("\(mechanism): authenticated with a wrong password")
                } catch let error as KafkaClientError {
                    guard case .securityFailed(let reason) = error.kind else { return XCTFail("\(error)") }
                    XCTAssertTrue(reason.hasPrefix("SASL authentication failed for user alice at \(endpoint)"), reason)
                    XCTAssertTrue(error.isRetriable)
                    XCTAssertFalse("\(error)".contains("looking-glass"))
                    XCTAssertFalse("\(error)".contains("\n"))
                }
            }
        }
    }

    func testAPlaintextClientIsRefusedBeforeAuthentication() async throws {
        try await withSaslCluster { _, bootstrap in
            let client = KafkaClient(configuration: KafkaClientConfiguration(bootstrap: bootstrap)!)
            do {
                _ = try await client.refreshMetadata()
                XCTFail("metadata served before SASL authentication")
            } catch let error as KafkaClientError {
                // The listener closed the connection: Metadata before authentication.
                XCTAssertTrue(error.isRetriable, "\(error)")
            }
            await client.shutdown()
        }
    }
}
