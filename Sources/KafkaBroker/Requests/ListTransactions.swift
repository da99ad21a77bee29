import KafkaProtocol

extension RequestRouter {
    /// ListTransactions (v0-1, KIP-664): the transactional ids this node coordinates,
    /// filtered by state names and producer ids (an empty filter matches all), and from
    /// v1 by a minimum running time (KIP-994: transactions open at least `DurationFilter`
    /// ms). State names Kafka does not know are echoed in `UnknownStateFilters`.
    func listTransactions(_ request: ListTransactionsRequest, _ context: RequestContext) -> ListTransactionsResponse {
        let known = Set(TransactionState.allCases.map(\.name))
        let states = Set(request.stateFilters.filter { known.contains($0) })
        let unknown = request.stateFilters.filter { !known.contains($0) }
        let producerIds = Set(request.producerIdFilters)
        let now = core.transactions.nowMilliseconds
        let listed = core.transactions.allTransactions().filter { metadata in
            guard core.transactionCoordinatorNode(for: metadata.transactionalId) == context.nodeID else { return false }
            // Kafka lists only the ids the principal may DESCRIBE, silently.
            guard isAuthorized(context, .describe, .transactionalID, metadata.transactionalId, logIfDenied: false) else {
                return false
            }
            if !request.stateFilters.isEmpty, !states.contains(metadata.state.name) { return false }
            if !producerIds.isEmpty, !producerIds.contains(metadata.producerId) { return false }
            if context.version >= 1, request.durationFilter >= 0 {
                guard metadata.startTimestamp >= 0, now - metadata.startTimestamp >= request.durationFilter else { return false }
            }
            return true
        }
        return ListTransactionsResponse(
            errorCode: 0, unknownStateFilters: unknown,
            transactionStates: listed.map {
                .init(transactionalId: $0.transactionalId, producerId: $0.producerId, transactionState: $0.state.name)
            })
    }
}
