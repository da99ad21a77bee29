import KafkaProtocol

/// A topic to create.
public struct NewTopic: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    /// -1 for the broker's default.
    public var replicationFactor: Int16
    public var configs: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int16 = -1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

extension KafkaClient {
    /// Creates topics; returns per topic nil on success or the error. TOPIC_ALREADY_EXISTS
    /// is reported like any other error, so callers decide whether it matters.
    public func createTopics(_ topics: [NewTopic], timeout: Duration = .seconds(30)) async throws -> [String: KafkaClientError?] {
        let request = CreateTopicsRequest(
            topics: topics.map { topic in
                .init(
                    name: topic.name, numPartitions: topic.partitions, replicationFactor: topic.replicationFactor,
                    configs: topic.configs.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value) })
            },
            timeoutMs: Int32(clamping: timeout.components.seconds * 1000))
        let response = try await anyConnection().send(request)
        invalidateMetadata()
        var results: [String: KafkaClientError?] = [:]
        for result in response.topics {
            results[result.name] =
                result.errorCode == 0
                ? nil
                : KafkaClientError(.broker(KafkaErrorCode(rawValue: result.errorCode)), message: result.errorMessage, topic: result.name)
        }
        return results
    }

    /// Grows topics to the given partition counts.
    public func createPartitions(_ counts: [String: Int32]) async throws -> [String: KafkaClientError?] {
        let request = CreatePartitionsRequest(
            topics: counts.sorted { $0.key < $1.key }.map { .init(name: $0.key, count: $0.value, assignments: nil) },
            timeoutMs: 30000)
        let response = try await anyConnection().send(request)
        invalidateMetadata()
        var results: [String: KafkaClientError?] = [:]
        for result in response.results {
            results[result.name] =
                result.errorCode == 0
                ? nil
                : KafkaClientError(.broker(KafkaErrorCode(rawValue: result.errorCode)), message: result.errorMessage, topic: result.name)
        }
        return results
    }

    /// A topic's configs: name → (value, whether it was set on the topic rather than defaulted).
    public func describeTopicConfigs(_ topic: String) async throws -> [String: (value: String?, isSet: Bool)] {
        let request = DescribeConfigsRequest(resources: [.init(resourceType: 2, resourceName: topic, configurationKeys: nil)])
        let response = try await anyConnection().send(request)
        guard let result = response.results.first else {
            throw KafkaClientError(.protocolViolation("DescribeConfigs answered nothing"), topic: topic)
        }
        guard result.errorCode == 0 else {
            throw KafkaClientError(.broker(KafkaErrorCode(rawValue: result.errorCode)), message: result.errorMessage, topic: topic)
        }
        var configs: [String: (value: String?, isSet: Bool)] = [:]
        for entry in result.configs {
            // ConfigSource 1 is DYNAMIC_TOPIC_CONFIG: set on the topic itself.
            configs[entry.name] = (entry.value, entry.configSource == 1)
        }
        return configs
    }

    /// Sets (non-nil) or removes (nil) topic configs with IncrementalAlterConfigs.
    public func alterTopicConfigs(_ topic: String, _ changes: [String: String?]) async throws {
        let request = IncrementalAlterConfigsRequest(resources: [
            .init(
                resourceType: 2, resourceName: topic,
                configs: changes.sorted { $0.key < $1.key }.map { name, value in
                    .init(name: name, configOperation: value == nil ? 1 : 0, value: value)
                })
        ])
        let response = try await anyConnection().send(request)
        if let result = response.responses.first, result.errorCode != 0 {
            throw KafkaClientError(.broker(KafkaErrorCode(rawValue: result.errorCode)), message: result.errorMessage, topic: topic)
        }
    }

    public func deleteTopics(_ names: [String]) async throws -> [String: KafkaClientError?] {
        let response = try await anyConnection().send(DeleteTopicsRequest(topics: names.map { .init(name: $0) }, topicNames: names, timeoutMs: 30000))
        invalidateMetadata()
        var results: [String: KafkaClientError?] = [:]
        for result in response.responses {
            let name = result.name ?? "\(result.topicId)"
            results[name] =
                result.errorCode == 0
                ? nil : KafkaClientError(.broker(KafkaErrorCode(rawValue: result.errorCode)), message: result.errorMessage, topic: name)
        }
        return results
    }
}
