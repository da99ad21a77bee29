import NIOSSL

/// Turns what NIOSSL reports about a failed TLS connection into one line that says what
/// went wrong, from the side that saw it: the client (our connections to brokers) or
/// the server (a broker listener).
public enum TLSFailure {
    public enum Side: Sendable {
        case client
        case server
    }

    /// A description of `error` if it is a TLS failure, else nil.
    ///
    /// BoringSSL reports an untrusted and an expired certificate alike
    /// (CERTIFICATE_VERIFY_FAILED); the client tells them apart by looking at the
    /// certificate (`TLSConnector`).
    public static func describe(_ error: any Error, side: Side, host: String? = nil) -> String? {
        switch error {
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            let name = host.map { "name \($0)" } ?? "name the host connected to"
            return "the broker's certificate does not \(name) (hostname verification; verifyHostname: false turns it off)"
        case let error as NIOSSLError:
            switch error {
            case .handshakeFailed(let reason):
                return handshakeFailure(reason, side: side)
            case .uncleanShutdown:
                return closedDuringHandshake(side)
            default:
                return "TLS failed: \(error)"
            }
        case let error as BoringSSLError:
            return handshakeFailure(error, side: side)
        default:
            return nil
        }
    }

    /// True when the failure was the peer's certificate not being trusted.
    public static func isVerificationFailure(_ error: any Error) -> Bool {
        guard case .handshakeFailed(let reason)? = error as? NIOSSLError else { return false }
        return "\(reason)".contains("CERTIFICATE_VERIFY_FAILED")
    }

    private static func closedDuringHandshake(_ side: Side) -> String {
        switch side {
        case .client: "the peer closed the connection during the TLS handshake (is it a plaintext listener?)"
        case .server: "the client closed the connection during the TLS handshake (it may not trust this listener's certificate)"
        }
    }

    /// BoringSSL's reason names, most telling first, with what they mean from each side.
    private static let reasons: [(code: String, client: String, server: String)] = [
        ("CERTIFICATE_VERIFY_FAILED", "the broker's certificate is not trusted (CERTIFICATE_VERIFY_FAILED)",
         "the client's certificate is not signed by the listener's CA or has expired (CERTIFICATE_VERIFY_FAILED)"),
        ("WRONG_VERSION_NUMBER", "the peer does not speak TLS (is it a plaintext listener?)",
         "the client does not speak TLS (a plaintext client on a TLS listener?)"),
        ("RECORD_TOO_LARGE", "the peer does not speak TLS (is it a plaintext listener?)",
         "the client does not speak TLS (a plaintext client on a TLS listener?)"),
        ("CERTIFICATE_REQUIRED", "the broker requires a client certificate and none was configured",
         "the client sent no certificate, and this listener requires one"),
        ("PEER_DID_NOT_RETURN_A_CERTIFICATE", "the broker requires a client certificate and none was configured",
         "the client sent no certificate, and this listener requires one"),
        ("CERTIFICATE_EXPIRED", "the broker refused our client certificate: it has expired",
         "the client refused this listener's certificate: it has expired"),
        ("UNKNOWN_CA", "the broker refused our client certificate: unknown CA",
         "the client refused this listener's certificate: unknown CA"),
        ("BAD_CERTIFICATE", "the broker refused our client certificate",
         "the client refused this listener's certificate (wrong host name or untrusted)"),
    ]

    private static func handshakeFailure(_ reason: BoringSSLError, side: Side) -> String {
        let text = "\(reason)"
        if text.contains("EOF during handshake") { return closedDuringHandshake(side) }
        for entry in reasons where text.contains(entry.code) {
            return side == .client ? entry.client : entry.server
        }
        return "TLS handshake failed: \(text)"
    }
}
