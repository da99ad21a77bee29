import KafkaProtocol

extension RequestRouter {
    /// CreateTopics with Kafka's validation: name, partition count, replication factor,
    /// manual assignments and every config value, each failure with Kafka's error code
    /// and a message. `validateOnly` checks everything and creates nothing.
    func createTopics(_ request: CreateTopicsRequest, _ context: RequestContext) -> CreateTopicsResponse {
        var seen: [String: Int] = [:]
        for topic in request.topics { seen[topic.name, default: 0] += 1 }
        // CREATE on the cluster covers every topic; without it, CREATE on each topic.
        let mayCreateAny = isAuthorizedOnCluster(context, .create, logIfDenied: false)
        let results = request.topics.map { topic -> CreateTopicsResponse.CreatableTopicResult in
            if seen[topic.name, default: 0] > 1 {
                return failed(topic.name, .invalidRequest, "Create topics request from client contains multiple entries for the topic \(topic.name)")
            }
            guard mayCreateAny || isAuthorized(context, .create, .topic, topic.name) else {
                return failed(topic.name, .topicAuthorizationFailed, "Authorization failed.")
            }
            var result = createTopic(topic, validateOnly: request.validateOnly, context)
            // The created topic's configs are shown only with DESCRIBE_CONFIGS on it.
            if result.errorCode == 0 && !isAuthorized(context, .describeConfigs, .topic, topic.name, logIfDenied: false) {
                result.topicConfigErrorCode = KafkaErrorCode.topicAuthorizationFailed.rawValue
                result.configs = nil
            }
            return result
        }
        return CreateTopicsResponse(topics: results)
    }

    private func createTopic(
        _ topic: CreateTopicsRequest.CreatableTopic, validateOnly: Bool, _ context: RequestContext
    ) -> CreateTopicsResponse.CreatableTopicResult {
        let nodes = core.configuration.nodeIDs
        if let problem = BrokerCore.topicNameProblem(topic.name) {
            return failed(topic.name, .invalidTopicException, problem)
        }
        if core.metadata.topic(topic.name) != nil {
            return failed(topic.name, .topicAlreadyExists, "Topic '\(topic.name)' already exists.")
        }
        var assignments: [[Int32]]?
        var partitions = Int(topic.numPartitions)
        var replicationFactor = Int(topic.replicationFactor)
        if !topic.assignments.isEmpty {
            if topic.numPartitions != -1 || topic.replicationFactor != -1 {
                return failed(topic.name, .invalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.")
            }
            let sorted = topic.assignments.sorted { $0.partitionIndex < $1.partitionIndex }
            guard sorted.enumerated().allSatisfy({ $0.offset == Int($0.element.partitionIndex) }) else {
                return failed(topic.name, .invalidReplicaAssignment, "Partitions should be a consecutive 0-based integer sequence")
            }
            for assignment in sorted {
                if assignment.brokerIds.isEmpty || Set(assignment.brokerIds).count != assignment.brokerIds.count
                    || !assignment.brokerIds.allSatisfy(nodes.contains)
                {
                    return failed(topic.name, .invalidReplicaAssignment, "Invalid replica assignment \(assignment.brokerIds) for partition \(assignment.partitionIndex)")
                }
            }
            assignments = sorted.map(\.brokerIds)
            partitions = sorted.count
            replicationFactor = sorted[0].brokerIds.count
        } else {
            if partitions == -1 { partitions = core.configuration.defaultPartitions }
            if replicationFactor == -1 { replicationFactor = core.configuration.defaultReplicationFactor }
            if partitions < 1 {
                return failed(topic.name, .invalidPartitions, "Number of partitions was set to an invalid non-positive value.")
            }
            if replicationFactor < 1 {
                return failed(topic.name, .invalidReplicationFactor, "Replication factor must be larger than 0, or -1 to use the default value.")
            }
            if replicationFactor > nodes.count {
                return failed(topic.name, .invalidReplicationFactor, "Unable to replicate the partition \(replicationFactor) time(s): The target replication factor of \(replicationFactor) cannot be reached because only \(nodes.count) broker(s) are registered.")
            }
        }
        var config = TopicConfig()
        for entry in topic.configs {
            guard let value = entry.value else {
                return failed(topic.name, .invalidConfig, "Null value not supported for topic configs: \(entry.name)")
            }
            do {
                try config.set(entry.name, value)
            } catch {
                return failed(topic.name, error.code, error.message)
            }
        }
        let result = CreateTopicsResponse.CreatableTopicResult(
            name: topic.name, errorCode: 0, numPartitions: Int32(partitions),
            replicationFactor: Int16(replicationFactor), configs: describedConfigs(config))
        if validateOnly { return result }
        do {
            let created = try core.createTopic(
                name: topic.name, partitions: partitions, replicationFactor: replicationFactor,
                configOverrides: config.overrides, assignments: assignments)
            var withID = result
            withID.topicId = created.id
            return withID
        } catch BrokerError.topicExists {
            return failed(topic.name, .topicAlreadyExists, "Topic '\(topic.name)' already exists.")
        } catch {
            context.logger.error("creating topic \(topic.name) failed: \(error)")
            return failed(topic.name, .unknownServerError, "\(error)")
        }
    }

    private func failed(_ name: String, _ code: KafkaErrorCode, _ message: String) -> CreateTopicsResponse.CreatableTopicResult {
        .init(
            name: name, errorCode: code.rawValue, errorMessage: message, topicConfigErrorCode: 0, numPartitions: -1,
            replicationFactor: -1, configs: nil)
    }

    private func describedConfigs(_ config: TopicConfig) -> [CreateTopicsResponse.CreatableTopicConfigs] {
        TopicConfigDefinition.all.keys.sorted().map { name in
            .init(
                name: name, value: config.value(name), readOnly: false,
                configSource: config.isDefault(name) ? ConfigSource.defaultConfig : ConfigSource.dynamicTopicConfig,
                isSensitive: false)
        }
    }
}

/// DescribeConfigs / CreateTopics `ConfigSource` values.
enum ConfigSource {
    static let dynamicTopicConfig: Int8 = 1
    static let staticBrokerConfig: Int8 = 4
    static let defaultConfig: Int8 = 5
}
