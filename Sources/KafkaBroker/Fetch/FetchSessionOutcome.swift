import KafkaProtocol

/// How to answer a Fetch request, after its partitions were read: the top-level error,
/// the session id, and the partitions to send, grouped by topic as Kafka groups them.
public struct FetchSessionOutcome: Sendable {
    /// The top-level error code; ``KafkaErrorCode/none`` unless the session failed.
    public var errorCode: KafkaErrorCode
    /// The session id to return: the new session's for a full fetch that created one, the
    /// session's for an incremental one, else 0.
    public var sessionId: Int32
    /// The partitions to send, in read order. Consecutive partitions of the same topic
    /// share one entry (Kafka's `FetchResponse.toMessage`); topics are named by id from
    /// v13 on and by name before.
    public var responses: [FetchResponse.FetchableTopicResponse]

    public init(errorCode: KafkaErrorCode, sessionId: Int32, responses: [FetchResponse.FetchableTopicResponse]) {
        self.errorCode = errorCode
        self.sessionId = sessionId
        self.responses = responses
    }

    /// The Fetch response, with nothing else set.
    public func fetchResponse(throttleTimeMs: Int32 = 0) -> FetchResponse {
        FetchResponse(throttleTimeMs: throttleTimeMs, errorCode: errorCode.rawValue,
                      sessionId: sessionId, responses: responses)
    }

    /// Groups `responses[i]` for the `included` indices under their topics. Sets each
    /// partition's index from its plan, as Kafka does.
    static func group(
        _ plans: [FetchPartitionPlan], _ responses: [FetchResponse.PartitionData], included: some Sequence<Int>
    ) -> [FetchResponse.FetchableTopicResponse] {
        var topics: [FetchResponse.FetchableTopicResponse] = []
        for index in included {
            let plan = plans[index]
            var data = responses[index]
            data.partitionIndex = plan.partition
            if let last = topics.last, Self.sameTopic(last, plan) {
                topics[topics.count - 1].partitions.append(data)
            } else {
                topics.append(FetchResponse.FetchableTopicResponse(
                    topic: plan.topic ?? "", topicId: plan.topicId, partitions: [data]))
            }
        }
        return topics
    }

    private static func sameTopic(_ topic: FetchResponse.FetchableTopicResponse, _ plan: FetchPartitionPlan) -> Bool {
        topic.topicId != .zero ? topic.topicId == plan.topicId : topic.topic == (plan.topic ?? "")
    }
}
