/// A broker listener's TLS settings: its certificate and key, and whether and how it
/// asks clients for theirs (Kafka's `ssl.client.auth`).
public struct ServerTLSSettings: Hashable, Sendable {
    /// `ssl.client.auth`.
    public enum ClientAuthentication: String, Hashable, Sendable, CaseIterable {
        /// A client without a certificate signed by `caFile` is refused.
        case required
        /// A certificate is asked for; a client may connect without one.
        case requested
        /// No client certificate is asked for.
        case none
    }

    public var certificateFile: String
    public var keyFile: String
    public var keyPassword: SecretValue?
    /// CAs that sign client certificates; needed unless `clientAuthentication` is `.none`.
    public var caFile: String?
    public var clientAuthentication: ClientAuthentication

    public init(
        certificateFile: String, keyFile: String, keyPassword: SecretValue? = nil, caFile: String? = nil,
        clientAuthentication: ClientAuthentication = .none
    ) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.keyPassword = keyPassword
        self.caFile = caFile
        self.clientAuthentication = clientAuthentication
    }
}
