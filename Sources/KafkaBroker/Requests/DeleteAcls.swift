import KafkaProtocol

extension RequestRouter {
    /// DeleteAcls (v1-3): removes the ACLs each filter matches and reports them per
    /// filter (an ACL two filters match under both, as Kafka). Needs ALTER on the cluster; SECURITY_DISABLED while the authorizer is off.
    /// A filter with a code Kafka does not define closes the connection, as Kafka's
    /// request parser refuses it (`DeleteAclsRequest.validate`).
    func deleteAcls(_ request: DeleteAclsRequest, _ context: RequestContext) -> HandlerResult {
        let filters = request.filters.map { filter in
            AclBindingFilter(
                resourceType: AclResourceType(code: filter.resourceTypeFilter), resourceName: filter.resourceNameFilter,
                patternType: AclPatternType(code: filter.patternTypeFilter), principal: filter.principalFilter,
                host: filter.hostFilter, operation: AclOperation(code: filter.operation),
                permission: AclPermissionType(code: filter.permissionType))
        }
        if filters.contains(where: \.hasUnknownField) {
            return .close("DeleteAcls filters contain an unknown resource type, pattern type, operation or permission type")
        }
        func everyone(_ code: KafkaErrorCode, _ message: String) -> HandlerResult {
            .response(
                .deleteAcls(
                    DeleteAclsResponse(
                        filterResults: filters.map { _ in .init(errorCode: code.rawValue, errorMessage: message, matchingAcls: []) })))
        }
        guard isAuthorizedOnCluster(context, .alter) else {
            return everyone(.clusterAuthorizationFailed, "Cluster authorization failed.")
        }
        guard let authorizer = core.authorizer else { return everyone(.securityDisabled, "No Authorizer is configured.") }
        let removed: [[AclBinding]]
        do {
            removed = try authorizer.delete(matching: filters)
        } catch {
            context.logger.error("saving ACLs failed: \(error)")
            return everyone(.unknownServerError, "\(error)")
        }
        let deleted = removed.flatMap { $0 }
        if !deleted.isEmpty { context.logger.info("\(context.principal) deleted ACLs \(deleted)") }
        let results = removed.map { bindings in
            DeleteAclsResponse.DeleteAclsFilterResult(
                errorCode: 0, errorMessage: nil,
                matchingAcls: bindings.map { binding in
                    .init(
                        errorCode: 0, errorMessage: nil, resourceType: binding.resourceType.rawValue,
                        resourceName: binding.resourceName, patternType: binding.patternType.rawValue,
                        principal: binding.principal, host: binding.host, operation: binding.operation.rawValue,
                        permissionType: binding.permission.rawValue)
                })
        }
        return .response(.deleteAcls(DeleteAclsResponse(filterResults: results)))
    }
}
