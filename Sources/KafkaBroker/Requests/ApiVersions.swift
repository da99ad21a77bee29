import KafkaProtocol

extension RequestRouter {
    /// The APIs this broker serves and the versions it advertises: Kafka 4.0's ranges.
    ///
    /// Produce is advertised from version 0 although only 3-12 are accepted, as Kafka
    /// 4.0 does: librdkafka before 2.11 turns compression off when Produce's minimum is
    /// above 0 (KAFKA-18659).
    static let supportedAPIs: [KafkaAPIKey: ClosedRange<Int16>] = {
        let served: [KafkaAPIKey] = [
            .apiVersions, .metadata, .produce, .fetch, .listOffsets, .deleteRecords, .describeProducers, .findCoordinator, .createTopics, .deleteTopics, .createPartitions, .describeConfigs,
            .incrementalAlterConfigs, .describeCluster, .initProducerId,
            // Consumer groups, classic protocol (Groups/).
            .joinGroup, .syncGroup, .heartbeat, .leaveGroup, .offsetCommit, .offsetFetch, .offsetDelete, .listGroups,
            .describeGroups, .deleteGroups,
            // Transactions (Transactions/).
            .addPartitionsToTxn, .addOffsetsToTxn, .txnOffsetCommit, .endTxn, .writeTxnMarkers, .describeTransactions,
            .listTransactions,
            // ACLs (Security/).
            .createAcls, .describeAcls, .deleteAcls,
            // Authentication (Security/): answered by the listener's SASL session.
            .saslHandshake, .saslAuthenticate,
        ]
        var versions = Dictionary(uniqueKeysWithValues: served.map { ($0, $0.validVersions) })
        if versions[.produce] != nil { versions[.produce] = 0...KafkaAPIKey.produce.validVersions.upperBound }
        return versions
    }()

    func apiVersions(_ request: ApiVersionsRequest, _ context: RequestContext) -> ApiVersionsResponse {
        ApiVersionsResponse(
            errorCode: 0,
            apiKeys: Self.supportedAPIs.sorted { $0.key.rawValue < $1.key.rawValue }.map { api, versions in
                .init(apiKey: api.rawValue, minVersion: versions.lowerBound, maxVersion: versions.upperBound)
            })
    }
}
