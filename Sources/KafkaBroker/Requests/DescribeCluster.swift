import KafkaProtocol

extension RequestRouter {
    func describeCluster(_ request: DescribeClusterRequest, _ context: RequestContext) -> DescribeClusterResponse {
        // v1+ can ask about controllers (endpoint type 2); clients reach only brokers here.
        if context.version >= 1, request.endpointType != 1 {
            return DescribeClusterResponse(
                errorCode: KafkaErrorCode.unsupportedEndpointType.rawValue,
                errorMessage: "The embedded broker only serves broker endpoints", endpointType: request.endpointType,
                clusterId: core.metadata.clusterID, controllerId: -1)
        }
        let brokers = core.configuration.nodeIDs.compactMap { node -> DescribeClusterResponse.DescribeClusterBroker? in
            guard let endpoint = core.endpoint(of: node, listener: context.listener) else { return nil }
            return .init(brokerId: node, host: endpoint.host, port: Int32(endpoint.port), rack: nil, isFenced: false)
        }
        return DescribeClusterResponse(
            errorCode: 0, endpointType: 1, clusterId: core.metadata.clusterID, controllerId: core.controllerID,
            brokers: brokers,
            clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
                ? authorizedOperations(context, .cluster, AclBinding.clusterResourceName) : Int32.min)
    }
}
