import KafkaProtocol

extension RequestRouter {
    /// Metadata: brokers, controller, and each requested topic's partitions and leaders.
    ///
    /// A null topic list means all topics; an empty one (v1+) means none. Unknown
    /// topics are created when both the request (v4+) and `auto.create.topics.enable`
    /// allow it, and answered with LEADER_NOT_AVAILABLE the first time, as Kafka does
    /// while it elects the new partitions' leaders.
    ///
    /// With the authorizer on, as Kafka's `handleTopicMetadataRequest`: a request for all
    /// topics silently leaves out those the principal may not DESCRIBE; a named topic it
    /// may not DESCRIBE gets TOPIC_AUTHORIZATION_FAILED whether it exists or not (its
    /// existence is not disclosed), and so does a missing one it may not CREATE (on the
    /// cluster or the topic) when it would be auto-created.
    func metadata(_ request: MetadataRequest, _ context: RequestContext) -> MetadataResponse {
        let version = context.version
        let brokers = core.configuration.nodeIDs.compactMap { node -> MetadataResponse.MetadataResponseBroker? in
            guard let endpoint = core.endpoint(of: node, listener: context.listener) else { return nil }
            return .init(nodeId: node, host: endpoint.host, port: Int32(endpoint.port), rack: nil)
        }
        var topics: [MetadataResponse.MetadataResponseTopic] = []
        if let requested = request.topics {
            for entry in requested {
                topics.append(
                    describeTopic(
                        entry, allowAutoCreate: version < 4 || request.allowAutoTopicCreation,
                        includeOperations: request.includeTopicAuthorizedOperations, context))
            }
        } else {
            topics = core.metadata.allTopics()
                .filter { isAuthorized(context, .describe, .topic, $0.name, logIfDenied: false) }
                .map { topicMetadata($0, includeOperations: request.includeTopicAuthorizedOperations, context) }
        }
        let clusterOperations = request.includeClusterAuthorizedOperations ? authorizedOperations(context, .cluster, AclBinding.clusterResourceName) : Int32.min
        return MetadataResponse(
            brokers: brokers, clusterId: core.metadata.clusterID, controllerId: core.controllerID, topics: topics,
            clusterAuthorizedOperations: clusterOperations)
    }

    private func describeTopic(
        _ entry: MetadataRequest.MetadataRequestTopic, allowAutoCreate: Bool, includeOperations: Bool, _ context: RequestContext
    ) -> MetadataResponse.MetadataResponseTopic {
        guard let name = entry.name ?? core.metadata.topic(id: entry.topicId)?.name else {
            return .init(
                errorCode: KafkaErrorCode.unknownTopicId.rawValue, name: nil, topicId: entry.topicId,
                topicAuthorizedOperations: Int32.min)
        }
        guard isAuthorized(context, .describe, .topic, name) else {
            return .init(
                errorCode: KafkaErrorCode.topicAuthorizationFailed.rawValue, name: entry.name, topicId: entry.topicId,
                topicAuthorizedOperations: Int32.min)
        }
        if let topic = core.metadata.topic(name) {
            return topicMetadata(topic, includeOperations: includeOperations, context)
        }
        if let problem = BrokerCore.topicNameProblem(name) {
            context.logger.debug("metadata for invalid topic name: \(problem)")
            return .init(errorCode: KafkaErrorCode.invalidTopicException.rawValue, name: name, topicAuthorizedOperations: Int32.min)
        }
        guard allowAutoCreate, core.configuration.autoCreateTopics else {
            return .init(errorCode: KafkaErrorCode.unknownTopicOrPartition.rawValue, name: name, topicAuthorizedOperations: Int32.min)
        }
        guard isAuthorizedOnCluster(context, .create, logIfDenied: false) || isAuthorized(context, .create, .topic, name) else {
            return .init(errorCode: KafkaErrorCode.topicAuthorizationFailed.rawValue, name: name, topicAuthorizedOperations: Int32.min)
        }
        do {
            try core.createTopic(
                name: name, partitions: core.configuration.defaultPartitions,
                replicationFactor: min(core.configuration.defaultReplicationFactor, core.configuration.nodeIDs.count),
                configOverrides: [:])
        } catch BrokerError.topicExists {
            // Another connection created it between the look-up and here: fine.
        } catch {
            context.logger.error("auto-creating topic \(name) failed: \(error)")
            return .init(errorCode: KafkaErrorCode.unknownServerError.rawValue, name: name, topicAuthorizedOperations: Int32.min)
        }
        return .init(
            errorCode: KafkaErrorCode.leaderNotAvailable.rawValue, name: name,
            topicId: core.metadata.topic(name)?.id ?? .zero, topicAuthorizedOperations: Int32.min)
    }

    private func topicMetadata(
        _ topic: ClusterMetadata.Topic, includeOperations: Bool, _ context: RequestContext
    ) -> MetadataResponse.MetadataResponseTopic {
        .init(
            errorCode: 0, name: topic.name, topicId: topic.id, isInternal: false,
            partitions: topic.partitions.enumerated().map { index, info in
                .init(
                    errorCode: 0, partitionIndex: Int32(index), leaderId: info.leader, leaderEpoch: info.leaderEpoch,
                    replicaNodes: info.replicas, isrNodes: info.replicas, offlineReplicas: [])
            },
            // Kafka encodes "not requested" as Int32.min.
            topicAuthorizedOperations: includeOperations ? authorizedOperations(context, .topic, topic.name) : Int32.min)
    }
}
