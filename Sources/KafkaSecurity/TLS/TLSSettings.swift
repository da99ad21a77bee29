/// A client's TLS settings, Kafka's `ssl.*` client configs. The key password prints
/// as "<redacted>".
public struct TLSSettings: Hashable, Sendable {
    /// `ssl.truststore.location` as a PEM file of CA certificates; nil trusts the
    /// system's store.
    public var caFile: String?
    /// `ssl.keystore.location` split in two PEM files: the client certificate (chain)
    /// and its private key, for mutual TLS. Both or neither.
    public var certificateFile: String?
    public var keyFile: String?
    /// `ssl.key.password`: the passphrase of an encrypted private key.
    public var keyPassword: SecretValue?
    /// `ssl.endpoint.identification.algorithm=https` (Kafka's default since 2.0): the
    /// broker's certificate must name the host connected to.
    public var verifyHostname: Bool

    public init(
        caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, keyPassword: SecretValue? = nil,
        verifyHostname: Bool = true
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.keyPassword = keyPassword
        self.verifyHostname = verifyHostname
    }
}
