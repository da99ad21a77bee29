import NIOSSL
import X509

/// The name Kafka gives a TLS client: the subject of its certificate as an RFC 2253
/// distinguished name, most specific part first ("CN=client,O=Acme,C=DE"), as Java's
/// `X500Principal.getName()` prints it and Kafka's default principal builder uses.
public enum CertificatePrincipal {
    /// The subject DN of `certificate`, or nil when it cannot be parsed.
    public static func distinguishedName(of certificate: NIOSSLCertificate) -> String? {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        return parsed.subject.description
    }
}
