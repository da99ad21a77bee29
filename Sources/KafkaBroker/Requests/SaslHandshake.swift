import KafkaProtocol

extension RequestRouter {
    /// SaslHandshake outside a SASL exchange: on a listener without SASL, or after the
    /// connection authenticated. The SASL session of a SASL listener answers the real
    /// ones (`Security/SaslServerSession`); here Kafka answers ILLEGAL_SASL_STATE.
    func saslHandshake(_ request: SaslHandshakeRequest, _ context: RequestContext) -> SaslHandshakeResponse {
        SaslHandshakeResponse(errorCode: KafkaErrorCode.illegalSaslState.rawValue, mechanisms: [])
    }

    /// SaslAuthenticate outside a SASL exchange: ILLEGAL_SASL_STATE, as for SaslHandshake.
    func saslAuthenticate(_ request: SaslAuthenticateRequest, _ context: RequestContext) -> SaslAuthenticateResponse {
        SaslAuthenticateResponse(
            errorCode: KafkaErrorCode.illegalSaslState.rawValue,
            errorMessage: "this connection is not in a SASL exchange (listener \(context.listener))")
    }
}
