import KafkaProtocol

/// Resource types of the config APIs (Kafka's `ConfigResource.Type`).
enum ConfigResourceType {
    static let topic: Int8 = 2
    static let broker: Int8 = 4
}

extension RequestRouter {
    /// DescribeConfigs for topics (every topic config with its value and source) and
    /// brokers (the broker settings of this embedded broker).
    func describeConfigs(_ request: DescribeConfigsRequest, _ context: RequestContext) -> DescribeConfigsResponse {
        let results = request.resources.map { resource -> DescribeConfigsResponse.DescribeConfigsResult in
            var result = DescribeConfigsResponse.DescribeConfigsResult(
                errorCode: 0, resourceType: resource.resourceType, resourceName: resource.resourceName)
            let entries: [(name: String, value: String, source: Int8, type: TopicConfigDefinition.ValueType, doc: String)]
            switch resource.resourceType {
            case ConfigResourceType.topic:
                guard isAuthorized(context, .describeConfigs, .topic, resource.resourceName) else {
                    result.errorCode = KafkaErrorCode.topicAuthorizationFailed.rawValue
                    result.errorMessage = KafkaErrorCode.topicAuthorizationFailed.message
                    return result
                }
                guard let topic = core.metadata.topic(resource.resourceName) else {
                    result.errorCode = KafkaErrorCode.unknownTopicOrPartition.rawValue
                    result.errorMessage = "Topic \(resource.resourceName) does not exist."
                    return result
                }
                let config = topic.config
                entries = TopicConfigDefinition.all.values.sorted { $0.name < $1.name }.map { definition in
                    (definition.name, config.value(definition.name) ?? definition.defaultValue,
                     config.isDefault(definition.name) ? ConfigSource.defaultConfig : ConfigSource.dynamicTopicConfig,
                     definition.type, definition.documentation)
                }
            case ConfigResourceType.broker:
                guard isAuthorizedOnCluster(context, .describeConfigs) else {
                    result.errorCode = KafkaErrorCode.clusterAuthorizationFailed.rawValue
                    result.errorMessage = KafkaErrorCode.clusterAuthorizationFailed.message
                    return result
                }
                let nodeID = Int32(resource.resourceName)
                guard resource.resourceName.isEmpty || nodeID.map(core.configuration.nodeIDs.contains) == true else {
                    result.errorCode = KafkaErrorCode.invalidRequest.rawValue
                    result.errorMessage = "Unexpected broker id, expected one of \(core.configuration.nodeIDs) but received \(resource.resourceName)"
                    return result
                }
                entries = brokerConfigs().map { ($0.name, $0.value, ConfigSource.staticBrokerConfig, $0.type, "") }
            default:
                result.errorCode = KafkaErrorCode.invalidRequest.rawValue
                result.errorMessage = "Unsupported resource type \(resource.resourceType)"
                return result
            }
            let wanted = resource.configurationKeys.map(Set.init)
            result.configs = entries.filter { wanted?.contains($0.name) ?? true }.map { entry in
                .init(
                    name: entry.name, value: entry.value, readOnly: resource.resourceType == ConfigResourceType.broker,
                    configSource: entry.source, isSensitive: false,
                    synonyms: request.includeSynonyms ? [.init(name: entry.name, value: entry.value, source: entry.source)] : [],
                    configType: entry.type.rawValue, documentation: request.includeDocumentation ? entry.doc : nil)
            }
            return result
        }
        return DescribeConfigsResponse(results: results)
    }

    private func brokerConfigs() -> [(name: String, value: String, type: TopicConfigDefinition.ValueType)] {
        let configuration = core.configuration
        return [
            ("auto.create.topics.enable", "\(configuration.autoCreateTopics)", .boolean),
            ("connections.max.idle.ms", "\(configuration.idleConnectionTimeout.components.seconds * 1000)", .long),
            ("default.replication.factor", "\(configuration.defaultReplicationFactor)", .int),
            ("log.dirs", configuration.dataDirectory, .string),
            ("log.segment.bytes", "\(configuration.segmentBytes)", .int),
            ("max.connections", "\(configuration.maximumConnections)", .int),
            ("num.partitions", "\(configuration.defaultPartitions)", .int),
            ("socket.request.max.bytes", "\(configuration.maximumRequestSize)", .int),
        ]
    }
}
