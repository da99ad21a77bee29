import NIOSSL

/// Turns what NIOSSL reports about a failed TLS connection into one line that says what
/// went wrong, for the client's connection errors and the broker's logs.
public enum TLSFailure {
    /// A description of `error` if it is a TLS failure, else nil.
    ///
    /// BoringSSL reports an untrusted and an expired certificate alike
    /// (CERTIFICATE_VERIFY_FAILED); the caller tells them apart by looking at the
    /// certificate (`TLSProbe`).
    public static func describe(_ error: any Error) -> String? {
        switch error {
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return "the certificate does not name this host (hostname verification failed: \(error))"
        case let error as NIOSSLError:
            switch error {
            case .handshakeFailed(let reason):
                return handshakeFailure(reason)
            case .uncleanShutdown:
                return "the peer closed the connection during the TLS handshake (is it a plaintext listener?)"
            default:
                return "TLS failed: \(error)"
            }
        case let error as BoringSSLError:
            return handshakeFailure(error)
        default:
            return nil
        }
    }

    /// True when the failure was the peer's certificate not being trusted.
    public static func isVerificationFailure(_ error: any Error) -> Bool {
        guard case .handshakeFailed(let reason)? = error as? NIOSSLError else { return false }
        return "\(reason)".contains("CERTIFICATE_VERIFY_FAILED")
    }

    private static func handshakeFailure(_ reason: BoringSSLError) -> String {
        let text = "\(reason)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the broker's certificate is not trusted (CERTIFICATE_VERIFY_FAILED)"
        }
        if text.contains("EOF during handshake") {
            return "the peer closed the connection during the TLS handshake (is it a plaintext listener?)"
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("RECORD_TOO_LARGE") {
            return "the peer does not speak TLS (is it a plaintext listener?)"
        }
        if text.contains("TLSV1_ALERT_UNKNOWN_CA") || text.contains("SSLV3_ALERT_BAD_CERTIFICATE") {
            return "the broker refused our client certificate (\(text))"
        }
        if text.contains("CERTIFICATE_REQUIRED") || text.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE") {
            return "the broker requires a client certificate and none was configured"
        }
        if text.contains("CERTIFICATE_EXPIRED") {
            return "the broker refused our client certificate: it has expired"
        }
        return "TLS handshake failed: \(text)"
    }
}
