import KafkaProtocol

extension RequestRouter {
    /// DeleteTopics by name (v0-5) or by name or topic id (v6+).
    func deleteTopics(_ request: DeleteTopicsRequest, _ context: RequestContext) -> DeleteTopicsResponse {
        let targets: [(name: String?, id: KafkaUUID)] =
            context.version >= 6 ? request.topics.map { ($0.name, $0.topicId) } : request.topicNames.map { ($0, .zero) }
        let results = targets.map { target -> DeleteTopicsResponse.DeletableTopicResult in
            let topic = target.name.flatMap(core.metadata.topic) ?? (target.id != .zero ? core.metadata.topic(id: target.id) : nil)
            // As Kafka: without DESCRIBE the topic's existence is not disclosed; then DELETE.
            if let name = target.name ?? topic?.name,
                !isAuthorized(context, .describe, .topic, name) || (topic != nil && !isAuthorized(context, .delete, .topic, name))
            {
                let code = KafkaErrorCode.topicAuthorizationFailed
                return .init(name: target.name, topicId: target.id, errorCode: code.rawValue, errorMessage: code.message)
            }
            guard let topic else {
                let code: KafkaErrorCode = target.name == nil ? .unknownTopicId : .unknownTopicOrPartition
                return .init(name: target.name, topicId: target.id, errorCode: code.rawValue, errorMessage: code.message)
            }
            do {
                try core.deleteTopic(topic.name)
                return .init(name: topic.name, topicId: topic.id, errorCode: 0)
            } catch {
                context.logger.error("deleting topic \(topic.name) failed: \(error)")
                return .init(name: topic.name, topicId: topic.id, errorCode: KafkaErrorCode.unknownServerError.rawValue, errorMessage: "\(error)")
            }
        }
        return DeleteTopicsResponse(responses: results)
    }
}
