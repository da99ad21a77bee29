import KafkaProtocol

extension RequestRouter {
    /// IncrementalAlterConfigs (KIP-339) for topics: SET, DELETE, APPEND and SUBTRACT
    /// (the last two for list configs such as cleanup.policy). All changes to one
    /// resource are checked before any is applied.
    func incrementalAlterConfigs(
        _ request: IncrementalAlterConfigsRequest, _ context: RequestContext
    ) -> IncrementalAlterConfigsResponse {
        let responses = request.resources.map { resource -> IncrementalAlterConfigsResponse.AlterConfigsResourceResponse in
            func result(_ code: KafkaErrorCode, _ message: String? = nil) -> IncrementalAlterConfigsResponse.AlterConfigsResourceResponse {
                .init(errorCode: code.rawValue, errorMessage: message, resourceType: resource.resourceType, resourceName: resource.resourceName)
            }
            // ALTER_CONFIGS on the topic, or on the cluster for broker settings.
            if resource.resourceType == ConfigResourceType.topic,
                !isAuthorized(context, .alterConfigs, .topic, resource.resourceName)
            {
                return result(.topicAuthorizationFailed, KafkaErrorCode.topicAuthorizationFailed.message)
            }
            if resource.resourceType == ConfigResourceType.broker, !isAuthorizedOnCluster(context, .alterConfigs) {
                return result(.clusterAuthorizationFailed, KafkaErrorCode.clusterAuthorizationFailed.message)
            }
            guard resource.resourceType == ConfigResourceType.topic else {
                return result(.invalidRequest, "The embedded broker's own settings are static; only topic configs can be altered")
            }
            guard let topic = core.metadata.topic(resource.resourceName) else {
                return result(.unknownTopicOrPartition, "Topic \(resource.resourceName) does not exist.")
            }
            var config = topic.config
            for change in resource.configs {
                do {
                    switch change.configOperation {
                    case 0:  // SET
                        guard let value = change.value else {
                            return result(.invalidRequest, "Null value not supported for : \(change.name)")
                        }
                        try config.set(change.name, value)
                    case 1:  // DELETE
                        if let problem = TopicConfig.problem(name: change.name, value: config.value(change.name)) {
                            return result(problem.code, problem.message)
                        }
                        config.remove(change.name)
                    case 2, 3:  // APPEND, SUBTRACT
                        guard TopicConfigDefinition.all[change.name]?.type == .list else {
                            return result(.invalidConfig, "Config value append is not allowed for config key: \(change.name)")
                        }
                        var items = (config.value(change.name) ?? "").split(separator: ",").map(String.init)
                        let given = (change.value ?? "").split(separator: ",").map(String.init)
                        if change.configOperation == 2 {
                            items += given.filter { !items.contains($0) }
                        } else {
                            items.removeAll(where: given.contains)
                        }
                        try config.set(change.name, items.joined(separator: ","))
                    default:
                        return result(.invalidRequest, "Unknown config operation \(change.configOperation)")
                    }
                } catch let problem as TopicConfig.Problem {
                    return result(problem.code, problem.message)
                } catch {
                    return result(.unknownServerError, "\(error)")
                }
            }
            if request.validateOnly { return result(.none) }
            do {
                try core.setTopicConfig(topic.name, overrides: config.overrides)
                return result(.none)
            } catch {
                context.logger.error("altering configs of \(topic.name) failed: \(error)")
                return result(.unknownServerError, "\(error)")
            }
        }
        return IncrementalAlterConfigsResponse(responses: responses)
    }
}
