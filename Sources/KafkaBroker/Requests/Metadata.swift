import KafkaProtocol

extension RequestRouter {
    /// Metadata: brokers, controller, and each requested topic's partitions and leaders.
    ///
    /// A null topic list means all topics; an empty one (v1+) means none. Unknown
    /// topics are created when both the request (v4+) and `auto.create.topics.enable`
    /// allow it, and answered with LEADER_NOT_AVAILABLE the first time, as Kafka does
    /// while it elects the new partitions' leaders.
    func metadata(_ request: MetadataRequest, _ context: RequestContext) -> MetadataResponse {
        let version = context.version
        let brokers = core.configuration.nodeIDs.compactMap { node -> MetadataResponse.MetadataResponseBroker? in
            guard let endpoint = core.endpoint(of: node, listener: context.listener) else { return nil }
            return .init(nodeId: node, host: endpoint.host, port: Int32(endpoint.port), rack: nil)
        }
        var topics: [MetadataResponse.MetadataResponseTopic] = []
        if let requested = request.topics {
            for entry in requested {
                topics.append(describeTopic(entry, allowAutoCreate: version < 4 || request.allowAutoTopicCreation, context))
            }
        } else {
            topics = core.metadata.allTopics().map { topicMetadata($0, includeOperations: request.includeTopicAuthorizedOperations) }
        }
        return MetadataResponse(
            brokers: brokers, clusterId: core.metadata.clusterID, controllerId: core.controllerID, topics: topics,
            clusterAuthorizedOperations: Int32.min)
    }

    private func describeTopic(
        _ entry: MetadataRequest.MetadataRequestTopic, allowAutoCreate: Bool, _ context: RequestContext
    ) -> MetadataResponse.MetadataResponseTopic {
        guard let name = entry.name ?? core.metadata.topic(id: entry.topicId)?.name else {
            return .init(
                errorCode: KafkaErrorCode.unknownTopicId.rawValue, name: nil, topicId: entry.topicId,
                topicAuthorizedOperations: Int32.min)
        }
        if let topic = core.metadata.topic(name) {
            return topicMetadata(topic, includeOperations: false)
        }
        if let problem = BrokerCore.topicNameProblem(name) {
            context.logger.debug("metadata for invalid topic name: \(problem)")
            return .init(errorCode: KafkaErrorCode.invalidTopicException.rawValue, name: name, topicAuthorizedOperations: Int32.min)
        }
        guard allowAutoCreate, core.configuration.autoCreateTopics else {
            return .init(errorCode: KafkaErrorCode.unknownTopicOrPartition.rawValue, name: name, topicAuthorizedOperations: Int32.min)
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

    private func topicMetadata(_ topic: ClusterMetadata.Topic, includeOperations: Bool) -> MetadataResponse.MetadataResponseTopic {
        .init(
            errorCode: 0, name: topic.name, topicId: topic.id, isInternal: false,
            partitions: topic.partitions.enumerated().map { index, info in
                .init(
                    errorCode: 0, partitionIndex: Int32(index), leaderId: info.leader, leaderEpoch: info.leaderEpoch,
                    replicaNodes: info.replicas, isrNodes: info.replicas, offlineReplicas: [])
            },
            // Without an authorizer every operation is allowed; Kafka encodes "not
            // requested" as Int32.min.
            topicAuthorizedOperations: includeOperations ? Self.allTopicOperations : Int32.min)
    }

    /// READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS as a bit set.
    static let allTopicOperations: Int32 = [3, 4, 5, 6, 7, 8, 10, 11].reduce(0) { $0 | (1 << $1) }
}
