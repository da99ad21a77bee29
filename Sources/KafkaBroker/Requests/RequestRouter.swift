import KafkaProtocol
import Logging
import NIOCore

/// Decodes a request frame, hands it to the handler of its API, and encodes the answer.
///
/// Handlers live in one file per API (`Requests/<Api>.swift`), as extensions of this
/// type. A frame that cannot be decoded, an unknown API key or a version Kafka 4.0 does
/// not serve closes the connection, as a real broker does (FINDINGS a: Produce v2 gets
/// the connection closed). The one exception is ApiVersions, which must answer any
/// version so that clients can discover what to use (KIP-511).
final class RequestRouter: Sendable {
    let core: BrokerCore

    init(core: BrokerCore) {
        self.core = core
    }

    func route(
        frame: ByteBuffer, nodeID: Int32, clientHost: String = "", principal: KafkaPrincipal = .anonymous,
        listener: String = "PLAINTEXT", logger: Logger
    ) async -> RequestOutcome {
        let request: KafkaRequest
        do {
            // As Kafka: the fields of the version are read, anything after them ignored.
            request = try KafkaRequest(frame: frame, allowingTrailingBytes: true)
        } catch {
            return .close(reason: "cannot decode request: \(error)")
        }
        let header = request.header
        if header.apiKey == KafkaAPIKey.apiVersions.rawValue,
            header.apiVersion > ApiVersionsRequest.validVersions.upperBound
        {
            return .respond(unsupportedApiVersionsResponse(correlationID: header.correlationID))
        }
        guard Self.supportedAPIs[request.body.apiKey] != nil else {
            return .close(reason: "API \(request.body.apiKey.name) is not served by the embedded broker")
        }
        var requestLogger = logger
        requestLogger[metadataKey: "api"] = "\(request.body.apiKey.name)v\(header.apiVersion)"
        let context = RequestContext(
            nodeID: nodeID, header: header, logger: requestLogger, clientHost: clientHost, principal: principal,
            listener: listener)
        let response: KafkaAnyResponse
        switch await handle(request.body, context: context) {
        case .response(let body): response = body
        case .noResponse: return .noResponse
        case .close(let reason): return .close(reason: reason)
        }
        var buffer = ByteBuffer()
        KafkaResponse(
            header: KafkaResponseHeader(correlationID: header.correlationID), body: response,
            bodyVersion: header.apiVersion
        ).encodeFrame(into: &buffer)
        return .respond(buffer)
    }

    /// What a handler decided.
    enum HandlerResult {
        case response(KafkaAnyResponse)
        /// Produce with acks=0 that succeeded: the client expects nothing.
        case noResponse
        /// Produce with acks=0 that failed: Kafka closes the connection so the client notices.
        case close(String)
    }

    /// Runs the handler of the request's API.
    private func handle(_ body: KafkaAnyRequest, context: RequestContext) async -> HandlerResult {
        switch body {
        case .apiVersions(let request): return .response(.apiVersions(apiVersions(request, context)))
        case .metadata(let request): return .response(.metadata(metadata(request, context)))
        case .produce(let request): return produce(request, context)
        case .fetch(let request): return .response(.fetch(await fetch(request, context)))
        case .listOffsets(let request): return .response(.listOffsets(listOffsets(request, context)))
        case .deleteRecords(let request): return .response(.deleteRecords(deleteRecords(request, context)))
        case .createTopics(let request): return .response(.createTopics(createTopics(request, context)))
        case .deleteTopics(let request): return .response(.deleteTopics(deleteTopics(request, context)))
        case .createPartitions(let request): return .response(.createPartitions(createPartitions(request, context)))
        case .describeConfigs(let request): return .response(.describeConfigs(describeConfigs(request, context)))
        case .incrementalAlterConfigs(let request):
            return .response(.incrementalAlterConfigs(incrementalAlterConfigs(request, context)))
        case .describeCluster(let request): return .response(.describeCluster(describeCluster(request, context)))
        case .initProducerId(let request): return .response(.initProducerId(initProducerId(request, context)))
        case .describeProducers(let request): return .response(.describeProducers(describeProducers(request, context)))
        case .findCoordinator(let request): return .response(.findCoordinator(findCoordinator(request, context)))
        case .joinGroup(let request): return .response(.joinGroup(await joinGroup(request, context)))
        case .syncGroup(let request): return .response(.syncGroup(await syncGroup(request, context)))
        case .heartbeat(let request): return .response(.heartbeat(heartbeat(request, context)))
        case .leaveGroup(let request): return .response(.leaveGroup(leaveGroup(request, context)))
        case .offsetCommit(let request): return .response(.offsetCommit(offsetCommit(request, context)))
        case .offsetFetch(let request): return .response(.offsetFetch(offsetFetch(request, context)))
        case .offsetDelete(let request): return .response(.offsetDelete(offsetDelete(request, context)))
        case .listGroups(let request): return .response(.listGroups(listGroups(request, context)))
        case .describeGroups(let request): return .response(.describeGroups(describeGroups(request, context)))
        case .deleteGroups(let request): return .response(.deleteGroups(deleteGroups(request, context)))
        // Transactions (Transactions/).
        case .addPartitionsToTxn(let request): return .response(.addPartitionsToTxn(addPartitionsToTxn(request, context)))
        case .addOffsetsToTxn(let request): return .response(.addOffsetsToTxn(addOffsetsToTxn(request, context)))
        case .txnOffsetCommit(let request): return .response(.txnOffsetCommit(txnOffsetCommit(request, context)))
        case .endTxn(let request): return .response(.endTxn(endTxn(request, context)))
        case .writeTxnMarkers(let request): return .response(.writeTxnMarkers(writeTxnMarkers(request, context)))
        case .describeTransactions(let request):
            return .response(.describeTransactions(describeTransactions(request, context)))
        case .listTransactions(let request): return .response(.listTransactions(listTransactions(request, context)))
        case .createAcls(let request): return createAcls(request, context)
        case .describeAcls(let request): return describeAcls(request, context)
        case .deleteAcls(let request): return deleteAcls(request, context)
        case .saslHandshake(let request): return .response(.saslHandshake(saslHandshake(request, context)))
        case .saslAuthenticate(let request): return .response(.saslAuthenticate(saslAuthenticate(request, context)))
        default:
            return .close("API \(body.apiKey.name) is not served by the embedded broker")
        }
    }

    /// Kafka answers an ApiVersions request of a version it does not know with
    /// UNSUPPORTED_VERSION in the version 0 layout, listing only ApiVersions itself.
    private func unsupportedApiVersionsResponse(correlationID: Int32) -> ByteBuffer {
        let body = ApiVersionsResponse(
            errorCode: KafkaErrorCode.unsupportedVersion.rawValue,
            apiKeys: [
                .init(
                    apiKey: KafkaAPIKey.apiVersions.rawValue,
                    minVersion: ApiVersionsRequest.validVersions.lowerBound,
                    maxVersion: ApiVersionsRequest.validVersions.upperBound)
            ])
        var buffer = ByteBuffer()
        body.encodeFrame(into: &buffer, version: 0, correlationID: correlationID)
        return buffer
    }
}
