import Foundation
import KafkaProtocol
import Logging
import NIOCore
@testable import KafkaBroker

/// A `BrokerCore` and its `RequestRouter` over a temporary directory, driven frame by
/// frame as a listener would, so a test can speak as any principal from any host
/// (there are no SASL listeners yet to authenticate one).
final class AuthorizedBroker {
    static let admin = KafkaPrincipal.user("admin")
    static let alice = KafkaPrincipal.user("alice")

    let directory: TemporaryDirectory
    private(set) var core: BrokerCore
    private(set) var router: RequestRouter
    private var correlationID: Int32 = 0

    /// A broker with the authorizer on and `User:admin` as super user, unless `configure` says otherwise.
    init(configure: (inout BrokerConfiguration) -> Void = { _ in }) throws {
        directory = try TemporaryDirectory()
        var configuration = BrokerConfiguration(dataDirectory: directory.path)
        configuration.authorizer = AuthorizerConfiguration(isEnabled: true, superUsers: [Self.admin])
        configuration.groups.coordinatorUnavailableOnFirstLookup = false
        configure(&configuration)
        core = try BrokerCore(configuration: configuration, logger: Self.logger)
        core.setEndpoint(node: 1, listener: "PLAINTEXT", host: "127.0.0.1", port: 9092)
        router = RequestRouter(core: core)
    }

    static var logger: Logger {
        var logger = Logger(label: "test.authorizer")
        logger.logLevel = .critical
        return logger
    }

    /// Closes this core and opens the same data directory again, as after a restart.
    func restart() throws {
        core.shutdown()
        core = try BrokerCore(configuration: core.configuration, logger: Self.logger)
        router = RequestRouter(core: core)
    }

    func close() {
        core.shutdown()
        directory.remove()
    }

    /// What the router answered: a decoded response, or the connection closed.
    enum Answer {
        case response(KafkaAnyResponse)
        case closed(String)
        case none
    }

    /// Sends `request` at `version` as `principal` connected from `host`.
    func answer<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16, as principal: KafkaPrincipal = admin, host: String = "127.0.0.1"
    ) async throws -> Answer {
        correlationID += 1
        var frame = ByteBuffer()
        request.encodeFrame(into: &frame, version: version, correlationID: correlationID, clientID: "test")
        frame.moveReaderIndex(forwardBy: 4)
        switch await router.route(frame: frame, nodeID: 1, clientHost: "/" + host, principal: principal, logger: Self.logger) {
        case .respond(var bytes):
            bytes.moveReaderIndex(forwardBy: 4)
            let apiKey = KafkaAPIKey(rawValue: Request.apiKey)!
            return .response(try KafkaResponse(frame: bytes, apiKey: apiKey, version: version).body)
        case .noResponse: return .none
        case .close(let reason), .respondThenClose(_, let reason): return .closed(reason)
        }
    }

    /// Sends and returns the response; fails the test (by throwing) on anything else.
    func send<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16, as principal: KafkaPrincipal = admin, host: String = "127.0.0.1"
    ) async throws -> KafkaAnyResponse {
        guard case .response(let body) = try await answer(request, version: version, as: principal, host: host) else {
            throw Unexpected(description: "no response to \(Request.self)")
        }
        return body
    }

    struct Unexpected: Error, CustomStringConvertible {
        let description: String
    }

    // MARK: Shortcuts

    static func creation(
        _ type: AclResourceType, _ name: String, pattern: AclPatternType = .literal, principal: String,
        host: String = "*", _ operation: AclOperation, _ permission: AclPermissionType = .allow
    ) -> CreateAclsRequest.AclCreation {
        .init(
            resourceType: type.rawValue, resourceName: name, resourcePatternType: pattern.rawValue, principal: principal,
            host: host, operation: operation.rawValue, permissionType: permission.rawValue)
    }

    /// Creates ACLs as the super user and returns each creation's error code.
    @discardableResult
    func createAcls(_ creations: [CreateAclsRequest.AclCreation], as principal: KafkaPrincipal = admin) async throws -> [KafkaErrorCode] {
        guard case .createAcls(let response) = try await send(CreateAclsRequest(creations: creations), version: 3, as: principal)
        else { throw Unexpected(description: "not a CreateAcls response") }
        return response.results.map { KafkaErrorCode(rawValue: $0.errorCode) }
    }

    func createTopic(_ name: String, partitions: Int = 1) throws {
        try core.createTopic(name: name, partitions: partitions, replicationFactor: 1, configOverrides: [:])
    }

    /// Produces one 2-record batch to partition 0 of `topic`; the partition's error code.
    func produce(_ topic: String, as principal: KafkaPrincipal, transactionalID: String? = nil) async throws -> KafkaErrorCode {
        var builder = RecordBatchBuilder(baseTimestamp: Int64(Date().timeIntervalSince1970 * 1000))
        builder.append(key: ByteBuffer(string: "k"), value: ByteBuffer(string: "v"), timestampDelta: 0, offsetDelta: 0)
        builder.append(key: ByteBuffer(string: "k"), value: ByteBuffer(string: "w"), timestampDelta: 0, offsetDelta: 1)
        let request = ProduceRequest(
            transactionalId: transactionalID, acks: -1, timeoutMs: 1000,
            topicData: [.init(name: topic, partitionData: [.init(index: 0, records: try builder.build().bytes)])])
        guard case .produce(let response) = try await send(request, version: 9, as: principal) else {
            throw Unexpected(description: "not a Produce response")
        }
        return KafkaErrorCode(rawValue: response.responses[0].partitionResponses[0].errorCode)
    }

    func logEndOffset(_ topic: String) -> Int64? {
        core.partition(TopicPartition(topic: topic, partition: 0))?.logEndOffset
    }
}
