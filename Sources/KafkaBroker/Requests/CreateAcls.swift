import KafkaProtocol

extension RequestRouter {
    /// CreateAcls (v1-3): needs ALTER on the cluster; SECURITY_DISABLED while the
    /// authorizer is off, as Kafka answers without one.
    ///
    /// A code Kafka does not define (resource, pattern, operation or permission type)
    /// fails the parse of the request in Kafka (`CreateAclsRequest.validate`), which
    /// closes the connection; this broker does the same. Defined but unusable values
    /// (ANY, MATCH, an empty name, a principal without a colon, a CLUSTER ACL not on
    /// "kafka-cluster") fail that one creation with INVALID_REQUEST and Kafka's message.
    func createAcls(_ request: CreateAclsRequest, _ context: RequestContext) -> HandlerResult {
        let bindings = request.creations.map { creation in
            AclBinding(
                resourceType: AclResourceType(code: creation.resourceType), resourceName: creation.resourceName,
                patternType: AclPatternType(code: creation.resourcePatternType), principal: creation.principal,
                host: creation.host, operation: AclOperation(code: creation.operation),
                permission: AclPermissionType(code: creation.permissionType))
        }
        if bindings.contains(where: {
            $0.resourceType == .unknown || $0.patternType == .unknown || $0.operation == .unknown || $0.permission == .unknown
        }) {
            return .close("CreateAcls contains an unknown resource type, pattern type, operation or permission type")
        }
        func everyone(_ code: KafkaErrorCode, _ message: String) -> HandlerResult {
            .response(.createAcls(CreateAclsResponse(results: bindings.map { _ in .init(errorCode: code.rawValue, errorMessage: message) })))
        }
        guard isAuthorizedOnCluster(context, .alter) else {
            return everyone(.clusterAuthorizationFailed, "Cluster authorization failed.")
        }
        guard let authorizer = core.authorizer else { return everyone(.securityDisabled, "No Authorizer is configured.") }
        var results = bindings.map { binding -> CreateAclsResponse.AclCreationResult in
            guard let problem = binding.creationProblem else { return .init(errorCode: 0, errorMessage: nil) }
            return .init(errorCode: KafkaErrorCode.invalidRequest.rawValue, errorMessage: problem)
        }
        let valid = zip(bindings, results).filter { $0.1.errorCode == 0 }.map(\.0)
        do {
            try authorizer.create(valid)
            if !valid.isEmpty { context.logger.info("\(context.principal) created ACLs \(valid)") }
        } catch {
            context.logger.error("saving ACLs failed: \(error)")
            for index in results.indices where results[index].errorCode == 0 {
                results[index] = .init(errorCode: KafkaErrorCode.unknownServerError.rawValue, errorMessage: "\(error)")
            }
        }
        return .response(.createAcls(CreateAclsResponse(results: results)))
    }
}
