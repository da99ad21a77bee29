import Foundation
import NIOSSL

extension TLSSettings {
    /// The NIOSSL context of a client with these settings: TLS 1.2 or 1.3, the CA file or
    /// the system trust store, the client certificate when set. `verifyingPeer: false`
    /// only serves to read a refused certificate and say why it was refused.
    public func makeContext(verifyingPeer: Bool = true) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification =
            !verifyingPeer ? .none : verifyHostname ? .fullVerification : .noHostnameVerification
        if let caFile {
            configuration.trustRoots = .certificates(try loadCertificates(caFile, role: "CA file"))
        }
        switch (certificateFile, keyFile) {
        case (nil, nil):
            break
        case (let certificateFile?, let keyFile?):
            configuration.certificateChain = try loadCertificates(certificateFile, role: "client certificate").map {
                .certificate($0)
            }
            configuration.privateKey = .privateKey(try loadPrivateKey(keyFile, password: keyPassword))
        default:
            throw SecurityError("a client certificate needs both a certificate file and a key file")
        }
        return try makeSSLContext(configuration)
    }
}

extension ServerTLSSettings {
    /// The NIOSSL context of a broker listener: its certificate chain and key, and the
    /// client-certificate policy of `ssl.client.auth`.
    public func makeContext() throws -> NIOSSLContext {
        let chain = try loadCertificates(certificateFile, role: "listener certificate").map { NIOSSLCertificateSource.certificate($0) }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try loadPrivateKey(keyFile, password: keyPassword)))
        configuration.minimumTLSVersion = .tlsv12
        if let caFile {
            configuration.trustRoots = .certificates(try loadCertificates(caFile, role: "CA file"))
            // Tell clients which CAs are accepted, so they pick the right certificate.
            configuration.sendCANameList = true
        }
        switch clientAuthentication {
        case .required: configuration.certificateVerification = .noHostnameVerification
        case .requested: configuration.certificateVerification = .optionalVerification
        case .none: configuration.certificateVerification = .none
        }
        if clientAuthentication != .none && caFile == nil {
            throw SecurityError("ssl.client.auth=\(clientAuthentication.rawValue) needs a CA file to check client certificates against")
        }
        return try makeSSLContext(configuration)
    }
}

private func loadCertificates(_ path: String, role: String) throws -> [NIOSSLCertificate] {
    guard FileManager.default.isReadableFile(atPath: path) else {
        throw SecurityError("the \(role) \(path) does not exist or cannot be read")
    }
    let certificates: [NIOSSLCertificate]
    do {
        certificates = try NIOSSLCertificate.fromPEMFile(path)
    } catch {
        throw SecurityError("the \(role) \(path) is not a PEM certificate file")
    }
    guard !certificates.isEmpty else { throw SecurityError("the \(role) \(path) holds no certificate") }
    return certificates
}

private func loadPrivateKey(_ path: String, password: SecretValue?) throws -> NIOSSLPrivateKey {
    guard FileManager.default.isReadableFile(atPath: path) else {
        throw SecurityError("the private key file \(path) does not exist or cannot be read")
    }
    do {
        if let password {
            return try NIOSSLPrivateKey(file: path, format: .pem) { setPassphrase in
                setPassphrase(Array(password.revealed.utf8))
            }
        }
        return try NIOSSLPrivateKey(file: path, format: .pem)
    } catch {
        // BoringSSL's error names no secret, but the message says only what a person needs.
        let hint = password == nil ? " (is it encrypted? then set its key password)" : " (or the key password is wrong)"
        throw SecurityError("the private key file \(path) cannot be loaded: not a PEM private key\(hint)")
    }
}

private func makeSSLContext(_ configuration: TLSConfiguration) throws -> NIOSSLContext {
    do {
        return try NIOSSLContext(configuration: configuration)
    } catch {
        throw SecurityError("the TLS settings cannot be used: \(error)")
    }
}
