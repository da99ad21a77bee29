import Foundation
import KafkaClient
import KafkaProtocol
import TestSupport
import XCTest

/// A request on a connection that is already closed fails at once: it must never wait
/// for an answer that cannot come (the daemon would then hang, SIGTERM included).
final class ClientClosedConnectionTests: XCTestCase {
    func testARequestOnAClosedConnectionFailsInsteadOfWaiting() async throws {
        try await withEmbeddedCluster { cluster, _ in
            var configuration = KafkaClientConfiguration(bootstrap: cluster.bootstrapServers)!
            configuration.requestTimeout = .seconds(60)  // longer than the test would wait
            let connection = try await KafkaConnection.connect(to: configuration.bootstrapServers[0], configuration: configuration)
            await connection.close()
            let started = ContinuousClock.now
            do {
                _ = try await connection.send(MetadataRequest(topics: []))
                XCTFail("a request on a closed connection succeeded")
            } catch let error as KafkaClientError {
                XCTAssertTrue(error.isRetriable, "\(error)")
            }
            XCTAssertLessThan(started.duration(to: .now), .seconds(10), "failed at once, not at the request timeout")
        }
    }
}
