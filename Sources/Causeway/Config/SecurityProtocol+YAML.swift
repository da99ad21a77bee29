import KafkaSecurity
import Yams

/// `security:` of a cluster: a protocol name (`PLAINTEXT`, or `SSL` with the system trust
/// store), or a mapping with the protocol and its TLS and SASL settings:
///
/// ```yaml
/// security:
///   protocol: SASL_SSL            # PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL
///   tls:
///     caFile: /etc/causeway/ca.pem          # default: the system trust store
///     certificateFile: /etc/causeway/client.pem   # mTLS, with keyFile
///     keyFile: /etc/causeway/client.key
///     keyPassword: env:CAUSEWAY_KEY_PASSWORD
///     verifyHostname: true                  # ssl.endpoint.identification.algorithm
///   sasl:
///     mechanism: SCRAM-SHA-512    # PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
///     username: causeway
///     password: env:CAUSEWAY_SASL_PASSWORD  # or file:/run/secrets/kafka, or the text
/// ```
///
/// Secrets are resolved when the file is read; errors about them name the key, the
/// variable or the file, and never the secret.
extension SecurityProtocol {
    static let names = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
    static let keys = ["protocol", "tls", "sasl"]
    static let tlsKeys = ["caFile", "certificateFile", "keyFile", "keyPassword", "verifyHostname"]
    static let saslKeys = ["mechanism", "username", "password"]
    static let expected = "one of \(names.joined(separator: ", ")), or a mapping with protocol, tls and sasl"

    static func read(
        _ node: Node, at path: String, reader: inout ConfigurationReader,
        environment: [String: String]
    ) -> SecurityProtocol? {
        if case .scalar = node {
            guard let text = reader.text(node, at: path, expected: expected) else { return nil }
            switch text.uppercased() {
            case "PLAINTEXT": return .plaintext
            case "SSL": return .ssl(TLSSettings())
            case "SASL_PLAINTEXT", "SASL_SSL":
                reader.report(
                    .invalidValue, at: path, node: node, value: text, expected: expected,
                    message: "security protocol \(text.uppercased()) needs its settings: write security: as a mapping with protocol and sasl (a bare name serves PLAINTEXT and SSL only)")
                return nil
            default:
                reader.report(
                    .invalidValue, at: path, node: node, value: text, expected: expected,
                    message: "unknown security protocol '\(text)'; accepted: \(names.joined(separator: ", "))")
                return nil
            }
        }
        guard let mapping = reader.mapping(node, at: path, keys: keys) else { return nil }
        guard let protocolNode = reader.required("protocol", in: mapping, expected: "one of \(names.joined(separator: ", "))"),
            let name = reader.text(protocolNode, at: mapping.path("protocol"), expected: "one of \(names.joined(separator: ", "))")
        else { return nil }
        let protocolName = name.uppercased()
        guard names.contains(protocolName) else {
            reader.report(
                .invalidValue, at: mapping.path("protocol"), node: protocolNode, value: name,
                expected: "one of \(names.joined(separator: ", "))",
                message: "unknown security protocol '\(name)'; accepted: \(names.joined(separator: ", "))")
            return nil
        }
        let usesTLS = protocolName.hasSuffix("SSL")
        let usesSasl = protocolName.hasPrefix("SASL")
        var tls: TLSSettings?
        if let tlsNode = mapping["tls"] {
            if usesTLS {
                tls = readTLS(tlsNode, at: mapping.path("tls"), reader: &reader, environment: environment)
            } else {
                reader.report(
                    .invalidValue, at: mapping.path("tls"), node: tlsNode, value: nil, expected: "no tls section",
                    message: "tls settings need protocol SSL or SASL_SSL, not \(protocolName)")
            }
        } else if usesTLS {
            tls = TLSSettings()
        }
        var sasl: SaslCredentials?
        if let saslNode = mapping["sasl"] {
            if usesSasl {
                sasl = readSasl(saslNode, at: mapping.path("sasl"), reader: &reader, environment: environment)
            } else {
                reader.report(
                    .invalidValue, at: mapping.path("sasl"), node: saslNode, value: nil, expected: "no sasl section",
                    message: "sasl settings need protocol SASL_PLAINTEXT or SASL_SSL, not \(protocolName)")
            }
        } else if usesSasl {
            reader.report(
                .missingKey, at: mapping.path("sasl"), node: nil, value: nil, expected: "mechanism, username and password",
                message: "protocol \(protocolName) needs a sasl section with mechanism, username and password")
        }
        switch (protocolName, tls, sasl) {
        case ("PLAINTEXT", _, _): return .plaintext
        case ("SSL", let tls?, _): return .ssl(tls)
        case ("SASL_PLAINTEXT", _, let sasl?): return .saslPlaintext(sasl)
        case ("SASL_SSL", let tls?, let sasl?): return .saslSSL(tls, sasl)
        default: return nil
        }
    }

    private static func readTLS(
        _ node: Node, at path: String, reader: inout ConfigurationReader, environment: [String: String]
    ) -> TLSSettings? {
        guard let mapping = reader.mapping(node, at: path, keys: tlsKeys) else { return nil }
        var tls = TLSSettings()
        var valid = true
        func file(_ key: String) -> String? {
            guard let value = mapping[key] else { return nil }
            guard let text = reader.text(value, at: mapping.path(key), expected: "a PEM file path") else {
                valid = false
                return nil
            }
            return text
        }
        tls.caFile = file("caFile")
        tls.certificateFile = file("certificateFile")
        tls.keyFile = file("keyFile")
        if (tls.certificateFile == nil) != (tls.keyFile == nil) {
            let missing = tls.certificateFile == nil ? "certificateFile" : "keyFile"
            reader.report(
                .missingKey, at: mapping.path(missing), node: nil, value: nil, expected: "a PEM file path",
                message: "a client certificate needs both certificateFile and keyFile; \(missing) is missing")
            valid = false
        }
        if let value = mapping["keyPassword"] {
            if tls.keyFile == nil {
                reader.report(
                    .invalidValue, at: mapping.path("keyPassword"), node: value, value: nil, expected: "a keyFile beside it",
                    message: "keyPassword is set but there is no keyFile")
                valid = false
            }
            tls.keyPassword = secret(value, at: mapping.path("keyPassword"), reader: &reader, environment: environment)
            if tls.keyPassword == nil { valid = false }
        }
        if let value = mapping["verifyHostname"] {
            switch reader.text(value, at: mapping.path("verifyHostname"), expected: "true or false")?.lowercased() {
            case "true": tls.verifyHostname = true
            case "false": tls.verifyHostname = false
            case let text?:
                reader.report(
                    .invalidValue, at: mapping.path("verifyHostname"), node: value, value: text, expected: "true or false",
                    message: "'\(text)' is not true or false")
                valid = false
            case nil:
                valid = false
            }
        }
        return valid ? tls : nil
    }

    private static func readSasl(
        _ node: Node, at path: String, reader: inout ConfigurationReader, environment: [String: String]
    ) -> SaslCredentials? {
        guard let mapping = reader.mapping(node, at: path, keys: saslKeys) else { return nil }
        let mechanisms = SaslMechanism.allCases.map(\.rawValue).joined(separator: ", ")
        var mechanism: SaslMechanism?
        if let value = reader.required("mechanism", in: mapping, expected: "one of \(mechanisms)"),
            let text = reader.text(value, at: mapping.path("mechanism"), expected: "one of \(mechanisms)")
        {
            mechanism = SaslMechanism(configurationValue: text)
            if mechanism == nil {
                reader.report(
                    .invalidValue, at: mapping.path("mechanism"), node: value, value: text, expected: "one of \(mechanisms)",
                    message: "unknown SASL mechanism '\(text)'; accepted: \(mechanisms)")
            }
        }
        var username: String?
        if let value = reader.required("username", in: mapping, expected: "a user name") {
            username = reader.text(value, at: mapping.path("username"), expected: "a user name")
        }
        var password: SecretValue?
        if let value = reader.required("password", in: mapping, expected: "a password, env:NAME or file:/path") {
            password = secret(value, at: mapping.path("password"), reader: &reader, environment: environment)
        }
        guard let mechanism, let username, let password else { return nil }
        return SaslCredentials(mechanism: mechanism, username: username, password: password)
    }

    /// A secret value: env:NAME, file:/path or the text. Reports never echo it.
    private static func secret(
        _ node: Node, at path: String, reader: inout ConfigurationReader, environment: [String: String]
    ) -> SecretValue? {
        let expected = "a secret: env:NAME, file:/path or the text"
        guard case .scalar(let scalar) = node, !ConfigurationReader.isNull(node) else {
            reader.report(
                .wrongType, at: path, node: node, value: nil, expected: expected, message: "expected \(expected)")
            return nil
        }
        do {
            return try SecretReference.resolve(scalar.string, environment: environment)
        } catch {
            reader.report(.invalidValue, at: path, node: node, value: nil, expected: expected, message: "\(error)")
            return nil
        }
    }
}
