import KafkaProtocol

extension RequestRouter {
    /// DescribeAcls (v1-3): the ACLs the filter matches, grouped by resource pattern.
    /// Needs DESCRIBE on the cluster; SECURITY_DISABLED while the authorizer is off.
    /// A code Kafka does not define in the filter closes the connection, as Kafka's
    /// request parser refuses it (`DescribeAclsRequest.normalizeAndValidate`).
    func describeAcls(_ request: DescribeAclsRequest, _ context: RequestContext) -> HandlerResult {
        let filter = AclBindingFilter(
            resourceType: AclResourceType(code: request.resourceTypeFilter), resourceName: request.resourceNameFilter,
            patternType: AclPatternType(code: request.patternTypeFilter), principal: request.principalFilter,
            host: request.hostFilter, operation: AclOperation(code: request.operation),
            permission: AclPermissionType(code: request.permissionType))
        if filter.hasUnknownField {
            return .close("DescribeAcls filter contains an unknown resource type, pattern type, operation or permission type")
        }
        func failure(_ code: KafkaErrorCode, _ message: String) -> HandlerResult {
            .response(.describeAcls(DescribeAclsResponse(errorCode: code.rawValue, errorMessage: message, resources: [])))
        }
        guard isAuthorizedOnCluster(context, .describe) else {
            return failure(.clusterAuthorizationFailed, "Cluster authorization failed.")
        }
        guard let authorizer = core.authorizer else { return failure(.securityDisabled, "No Authorizer is configured.") }
        let matched = authorizer.acls(matching: filter)
        var resources: [DescribeAclsResponse.DescribeAclsResource] = []
        var indexOfPattern: [AclBinding: Int] = [:]
        for binding in matched {
            // The resource pattern alone, as a key: the entry's fields blanked out.
            let pattern = AclBinding(
                resourceType: binding.resourceType, resourceName: binding.resourceName, patternType: binding.patternType,
                principal: "", host: "", operation: .unknown, permission: .unknown)
            let description = DescribeAclsResponse.AclDescription(
                principal: binding.principal, host: binding.host, operation: binding.operation.rawValue,
                permissionType: binding.permission.rawValue)
            if let index = indexOfPattern[pattern] {
                resources[index].acls.append(description)
            } else {
                indexOfPattern[pattern] = resources.count
                resources.append(
                    .init(
                        resourceType: binding.resourceType.rawValue, resourceName: binding.resourceName,
                        patternType: binding.patternType.rawValue, acls: [description]))
            }
        }
        return .response(.describeAcls(DescribeAclsResponse(errorCode: 0, errorMessage: nil, resources: resources)))
    }
}
