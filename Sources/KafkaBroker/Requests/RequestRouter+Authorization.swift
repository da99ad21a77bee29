import KafkaProtocol

/// The checks handlers make before they act, each a no-op (allowed) while the
/// authorizer is off. Which operation on which resource each API needs follows Kafka's
/// `KafkaApis` (see Docs/broker.md for the table).
extension RequestRouter {
    /// Whether the request's principal may perform `operation` on the resource.
    /// A refusal is logged at info, as Kafka's authorizer logs it, unless the caller only
    /// filters (Metadata for all topics, ListGroups), where Kafka stays quiet.
    func isAuthorized(
        _ context: RequestContext, _ operation: AclOperation, _ resourceType: AclResourceType, _ name: String,
        logIfDenied: Bool = true
    ) -> Bool {
        guard let authorizer = core.authorizer else { return true }
        let allowed = authorizer.authorize(context.principal, host: context.clientAddress, operation, resourceType, name)
        if !allowed && logIfDenied {
            context.logger.info(
                "principal \(context.principal) from \(context.clientAddress) is denied \(operation) on \(resourceType):\(name)")
        }
        return allowed
    }

    /// Whether the principal may perform `operation` on the CLUSTER resource.
    func isAuthorizedOnCluster(_ context: RequestContext, _ operation: AclOperation, logIfDenied: Bool = true) -> Bool {
        isAuthorized(context, operation, .cluster, AclBinding.clusterResourceName, logIfDenied: logIfDenied)
    }

    /// Whether the principal may perform `operation` on some resource of the type
    /// (`Authorizer.authorizeAny`).
    func isAuthorizedOnAny(_ context: RequestContext, _ operation: AclOperation, _ resourceType: AclResourceType) -> Bool {
        guard let authorizer = core.authorizer else { return true }
        return authorizer.authorizeAny(context.principal, host: context.clientAddress, operation, resourceType)
    }

    /// The `authorizedOperations` bit set of a resource for the principal; every
    /// operation of the type while the authorizer is off.
    func authorizedOperations(_ context: RequestContext, _ resourceType: AclResourceType, _ name: String) -> Int32 {
        guard let authorizer = core.authorizer else {
            return resourceType.supportedOperations.reduce(Int32(0)) { $0 | (1 << Int32($1.rawValue)) }
        }
        return authorizer.authorizedOperations(context.principal, host: context.clientAddress, resourceType, name)
    }

    /// The hook for the transaction APIs: nil when the principal may use the
    /// transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53).
    ///
    /// What Kafka checks, for the handlers that call it:
    /// - InitProducerId with a transactional id, AddPartitionsToTxn, AddOffsetsToTxn,
    ///   EndTxn, TxnOffsetCommit and a transactional Produce: WRITE on the id (this hook,
    ///   operation `.write`);
    /// - FindCoordinator(TRANSACTION) and DescribeTransactions: DESCRIBE on the id;
    /// - AddPartitionsToTxn also needs WRITE on each topic (TOPIC_AUTHORIZATION_FAILED per
    ///   partition, the others OPERATION_NOT_ATTEMPTED): `isAuthorized(context, .write, .topic, name)`;
    /// - AddOffsetsToTxn and TxnOffsetCommit need READ on the group
    ///   (GROUP_AUTHORIZATION_FAILED), TxnOffsetCommit READ on each topic.
    func transactionalIDAuthorizationError(
        _ transactionalID: String, _ context: RequestContext, operation: AclOperation = .write
    ) -> KafkaErrorCode? {
        isAuthorized(context, operation, .transactionalID, transactionalID) ? nil : .transactionalIdAuthorizationFailed
    }
}

extension RequestContext {
    /// The client's address as ACL hosts name it: `clientHost` without Kafka's leading "/".
    var clientAddress: String {
        clientHost.hasPrefix("/") ? String(clientHost.dropFirst()) : clientHost
    }
}

extension RequestRouter {
    /// What InitProducerId needs (Kafka's `handleInitProducerIdRequest`): WRITE on the
    /// transactional id when there is one (else 53); for an idempotent producer,
    /// IDEMPOTENT_WRITE on the cluster or WRITE on at least one topic (else
    /// CLUSTER_AUTHORIZATION_FAILED, 31).
    func initProducerIdAuthorizationError(_ request: InitProducerIdRequest, _ context: RequestContext) -> KafkaErrorCode? {
        if let transactionalID = request.transactionalId {
            return transactionalIDAuthorizationError(transactionalID, context)
        }
        if isAuthorizedOnCluster(context, .idempotentWrite, logIfDenied: false) || isAuthorizedOnAny(context, .write, .topic) {
            return nil
        }
        context.logger.info("principal \(context.principal) may neither IDEMPOTENT_WRITE on the cluster nor WRITE on any topic")
        return .clusterAuthorizationFailed
    }
}
