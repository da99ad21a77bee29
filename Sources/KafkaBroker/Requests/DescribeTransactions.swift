import KafkaProtocol

extension RequestRouter {
    /// DescribeTransactions (v0, KIP-664): state, producer id and epoch, timeout, start
    /// time and partitions of each transactional id; TRANSACTIONAL_ID_NOT_FOUND for an
    /// unknown one, NOT_COORDINATOR when another node coordinates it.
    func describeTransactions(_ request: DescribeTransactionsRequest, _ context: RequestContext)
        -> DescribeTransactionsResponse
    {
        DescribeTransactionsResponse(
            transactionStates: request.transactionalIds.map { transactionalId in
                var answer = DescribeTransactionsResponse.TransactionState(
                    errorCode: 0, transactionalId: transactionalId, transactionState: "", transactionTimeoutMs: 0,
                    transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [])
                if let error = transactionalIDAuthorizationError(transactionalId, context, operation: .describe)
                    ?? transactionCoordinatorError(transactionalId, context)
                {
                    answer.errorCode = error.rawValue
                    return answer
                }
                guard let metadata = core.transactions.transaction(transactionalId) else {
                    answer.errorCode = KafkaErrorCode.transactionalIdNotFound.rawValue
                    return answer
                }
                answer.transactionState = metadata.state.name
                answer.transactionTimeoutMs = metadata.timeoutMs
                answer.transactionStartTimeMs = metadata.startTimestamp
                answer.producerId = metadata.producerId
                answer.producerEpoch = metadata.producerEpoch
                answer.topics = Dictionary(grouping: metadata.partitions, by: \.topic).sorted { $0.key < $1.key }.map {
                    .init(topic: $0.key, partitions: $0.value.map(\.partition).sorted())
                }
                return answer
            })
    }
}
