import KafkaProtocol

extension RequestRouter {
    /// WriteTxnMarkers (v1): what a transaction coordinator sends partition leaders to
    /// end a transaction (also used by admin tools to abort hanging transactions,
    /// KIP-664). Each partition gets the COMMIT or ABORT control batch, with Kafka's
    /// fencing of older producer and coordinator epochs.
    func writeTxnMarkers(_ request: WriteTxnMarkersRequest, _ context: RequestContext) -> WriteTxnMarkersResponse {
        // Only brokers write markers: CLUSTER_ACTION on the cluster.
        let refused: KafkaErrorCode? = isAuthorizedOnCluster(context, .clusterAction) ? nil : .clusterAuthorizationFailed
        return WriteTxnMarkersResponse(
            markers: request.markers.map { marker in
                .init(
                    producerId: marker.producerId,
                    topics: marker.topics.map { topic in
                        .init(
                            name: topic.name,
                            partitions: topic.partitionIndexes.map { index in
                                let topicPartition = TopicPartition(topic: topic.name, partition: index)
                                var code = refused ?? leaderError(topicPartition, context) ?? .none
                                if code == .none, let partition = core.partition(topicPartition) {
                                    do throws(TransactionMarkerError) {
                                        try partition.appendTransactionMarker(
                                            producerId: marker.producerId, producerEpoch: marker.producerEpoch,
                                            isCommit: marker.transactionResult, coordinatorEpoch: marker.coordinatorEpoch)
                                    } catch {
                                        context.logger.info("marker on \(topicPartition) refused: \(error)")
                                        code = error.code
                                    }
                                }
                                return .init(partitionIndex: index, errorCode: code.rawValue)
                            })
                    })
            })
    }
}
