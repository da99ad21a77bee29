import KafkaProtocol

extension RequestRouter {
    /// CreatePartitions: grows topics; the count can only go up.
    func createPartitions(_ request: CreatePartitionsRequest, _ context: RequestContext) -> CreatePartitionsResponse {
        let nodes = core.configuration.nodeIDs
        let results = request.topics.map { entry -> CreatePartitionsResponse.CreatePartitionsTopicResult in
            func failed(_ code: KafkaErrorCode, _ message: String) -> CreatePartitionsResponse.CreatePartitionsTopicResult {
                .init(name: entry.name, errorCode: code.rawValue, errorMessage: message)
            }
            guard isAuthorized(context, .alter, .topic, entry.name) else {
                return failed(.topicAuthorizationFailed, KafkaErrorCode.topicAuthorizationFailed.message)
            }
            guard let topic = core.metadata.topic(entry.name) else {
                return failed(.unknownTopicOrPartition, "The topic '\(entry.name)' does not exist.")
            }
            let current = topic.partitions.count
            if Int(entry.count) < current {
                return failed(.invalidPartitions, "Topic currently has \(current) partitions, which is higher than the requested \(entry.count).")
            }
            if Int(entry.count) == current {
                return failed(.invalidPartitions, "Topic already has \(current) partitions.")
            }
            var assignments: [[Int32]]?
            if let given = entry.assignments {
                guard given.count == Int(entry.count) - current else {
                    return failed(.invalidReplicaAssignment, "Increasing the number of partitions by \(Int(entry.count) - current) but \(given.count) assignments provided.")
                }
                guard given.allSatisfy({ !$0.brokerIds.isEmpty && $0.brokerIds.allSatisfy(nodes.contains) }) else {
                    return failed(.invalidReplicaAssignment, "Unknown broker in the replica assignment.")
                }
                assignments = given.map(\.brokerIds)
            }
            if request.validateOnly { return .init(name: entry.name, errorCode: 0) }
            do {
                try core.addPartitions(topic: entry.name, count: Int(entry.count), assignments: assignments)
                return .init(name: entry.name, errorCode: 0)
            } catch {
                context.logger.error("adding partitions to \(entry.name) failed: \(error)")
                return failed(.unknownServerError, "\(error)")
            }
        }
        return CreatePartitionsResponse(results: results)
    }
}
