import KafkaProtocol

extension RequestRouter {
    /// ListOffsets (v1-10): earliest (-2, and -4 earliest-local: no tiered storage here),
    /// latest (-1; the last stable offset for read_committed), max timestamp (-3),
    /// latest-tiered (-5: no tiered storage, so -1 offset as Kafka answers), or the first
    /// offset at or after a timestamp.
    func listOffsets(_ request: ListOffsetsRequest, _ context: RequestContext) -> ListOffsetsResponse {
        let topics = request.topics.map { topic -> ListOffsetsResponse.ListOffsetsTopicResponse in
            .init(
                name: topic.name,
                partitions: topic.partitions.map { entry in
                    listOffset(topic.name, entry, readCommitted: request.isolationLevel == 1, context)
                })
        }
        return ListOffsetsResponse(topics: topics)
    }

    private func listOffset(
        _ topic: String, _ entry: ListOffsetsRequest.ListOffsetsPartition, readCommitted: Bool, _ context: RequestContext
    ) -> ListOffsetsResponse.ListOffsetsPartitionResponse {
        var response = ListOffsetsResponse.ListOffsetsPartitionResponse(
            partitionIndex: entry.partitionIndex, errorCode: 0, timestamp: -1, offset: -1, leaderEpoch: -1)
        let topicPartition = TopicPartition(topic: topic, partition: entry.partitionIndex)
        guard isAuthorized(context, .describe, .topic, topic) else {
            response.errorCode = KafkaErrorCode.topicAuthorizationFailed.rawValue
            return response
        }
        if let error = leaderError(topicPartition, currentLeaderEpoch: entry.currentLeaderEpoch, context) {
            response.errorCode = error.rawValue
            return response
        }
        let partition = core.partition(topicPartition)!
        let spec: OffsetSpec
        switch entry.timestamp {
        case -2, -4: spec = .earliest
        case -1: spec = .latest
        case -3: spec = .maxTimestamp
        case -5: return response  // latest tiered: nothing is tiered
        case let timestamp where timestamp >= 0: spec = .timestamp(timestamp)
        default:
            response.errorCode = KafkaErrorCode.invalidRequest.rawValue
            return response
        }
        do {
            if readCommitted, case .latest = spec {
                // The last stable offset, with timestamp -1 as Kafka answers (FINDINGS f).
                response.offset = partition.lastStableOffset
                response.leaderEpoch = partition.leaderEpoch
            } else if let found = try partition.lookupOffset(spec) {
                response.offset = found.offset
                response.timestamp = found.timestamp
                response.leaderEpoch = found.leaderEpoch
            }
        } catch {
            context.logger.error("ListOffsets on \(topicPartition) failed: \(error)")
            response.errorCode = KafkaErrorCode.kafkaStorageError.rawValue
        }
        return response
    }

    /// The error a partition-level request to this node gets before any work: unknown
    /// partition, not the leader, or a leader epoch older (FENCED_LEADER_EPOCH) or newer
    /// (UNKNOWN_LEADER_EPOCH) than the partition's (KIP-320). nil when it may proceed.
    func leaderError(_ topicPartition: TopicPartition, currentLeaderEpoch: Int32 = -1, _ context: RequestContext) -> KafkaErrorCode? {
        guard let info = core.metadata.partition(topicPartition), core.partition(topicPartition) != nil else {
            return .unknownTopicOrPartition
        }
        guard info.leader == context.nodeID else { return .notLeaderOrFollower }
        if currentLeaderEpoch >= 0 {
            if currentLeaderEpoch < info.leaderEpoch { return .fencedLeaderEpoch }
            if currentLeaderEpoch > info.leaderEpoch { return .unknownLeaderEpoch }
        }
        return nil
    }
}
