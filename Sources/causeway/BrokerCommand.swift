import ArgumentParser
import Foundation
import KafkaBroker
import KafkaSecurity
import Logging
import ServiceLifecycle

/// `causeway broker`: runs the embedded Kafka-compatible broker (one node or several).
struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run an embedded Kafka-compatible broker (or a cluster of several in one process).",
        discussion: """
            Stores data under --data-dir and survives restarts, including kill -9 (the log is \
            recovered on start). With --nodes N the nodes listen on consecutive ports from \
            --listen's port (or on free ports when it is 0) and share leadership of partitions. \
            --listener PROTOCOL://HOST:PORT adds SSL, SASL_PLAINTEXT or SASL_SSL listeners \
            (repeatable; without --listen only these serve). Once listening it prints one \
            "listener.PROTOCOL=HOST:PORT,..." line per listener, then \
            "bootstrap.servers=HOST:PORT,..." of the first listener, on standard output. \
            Secrets (--ssl-key-password, the password of --scram-user) may be given as \
            env:NAME or file:/path instead of literally. SASL users come from --scram-user and \
            from the data directory (`causeway broker add-user`).

            With --authorizer every request is checked against the ACLs kept in --data-dir \
            (Kafka's StandardAuthorizer rules: DENY wins, READ/WRITE/DELETE/ALTER imply \
            DESCRIBE, resources without ACLs are closed unless --allow-everyone-if-no-acl-found). \
            Name at least one --super-user to bootstrap: it bypasses the ACLs and can create \
            those of the others (kafka-acls.sh, AdminClient.create_acls). Connections without \
            authentication act as User:ANONYMOUS; SASL users act as User:NAME, mTLS clients as \
            User:<certificate subject>. Docs/broker.md has the details.
            """,
        subcommands: [BrokerAddUserCommand.self]
    )

    @Option(name: .long, help: "Directory for partition logs and cluster metadata.")
    var dataDir: String

    @Option(name: .long, help: "PLAINTEXT address, HOST:PORT (port 0 picks a free port). Default 127.0.0.1:9092 unless --listener is given.")
    var listen: String?

    @Option(name: .long, help: "A further listener, PROTOCOL://HOST:PORT with PROTOCOL one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (repeatable).")
    var listener: [String] = []

    @Option(name: .long, help: "PEM certificate (chain) of the TLS listeners.")
    var sslCert: String?

    @Option(name: .long, help: "PEM private key of the TLS listeners.")
    var sslKey: String?

    @Option(name: .long, help: "Passphrase of an encrypted --ssl-key (or env:NAME, file:/path).")
    var sslKeyPassword: String?

    @Option(name: .long, help: "PEM CA certificates that sign client certificates.")
    var sslCa: String?

    @Option(name: .long, help: "ssl.client.auth: required, requested or none.")
    var sslClientAuth: String = "none"

    @Option(name: .long, help: "sasl.enabled.mechanisms, comma-separated (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512).")
    var saslMechanisms: String = "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512"

    @Option(name: .long, help: "A SASL user, USER:PASSWORD (password may be env:NAME or file:/path); stored salted, repeatable.")
    var scramUser: [String] = []

    @Option(name: .long, help: "Number of broker nodes in this process.")
    var nodes: Int = 1

    @Option(name: .long, help: "Partitions of auto-created topics (num.partitions).")
    var partitions: Int = 1

    @Flag(name: .long, help: "fsync every write before acknowledging it (log.flush.interval.messages=1).")
    var flushEveryWrite = false

    @Flag(name: .long, inversion: .prefixedEnableDisable, help: "Create topics on first use (auto.create.topics.enable).")
    var autoCreateTopics = true

    @Option(name: .long, help: "How long the first rebalance of an empty consumer group waits for more members (group.initial.rebalance.delay.ms).")
    var groupInitialRebalanceDelayMs: Int = 0

    @Option(name: .long, help: "How often open transactions are checked against their timeout (transaction.abort.timed.out.transaction.cleanup.interval.ms).")
    var transactionTimeoutCheckIntervalMs: Int = 10_000

    @Option(name: .long, help: "The longest transaction.timeout.ms a producer may ask for (transaction.max.timeout.ms).")
    var transactionMaxTimeoutMs: Int = 900_000

    @Flag(name: .long, help: "Check every request against ACLs (Kafka's StandardAuthorizer). Off by default.")
    var authorizer = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A principal that bypasses every ACL (super.users), as Type:Name, e.g. User:admin. Repeatable.",
            valueName: "principal"))
    var superUser: [String] = []

    @Flag(name: .long, help: "With --authorizer, let everyone use resources that no ACL names (allow.everyone.if.no.acl.found).")
    var allowEveryoneIfNoAclFound = false

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if let listen, Self.parseAddress(listen) == nil {
            throw ValidationError("--listen must be HOST:PORT with a port from 0 to 65535, got '\(listen)'")
        }
        _ = try listeners()
        _ = try mechanisms()
        for entry in scramUser where !entry.contains(":") || entry.hasPrefix(":") {
            throw ValidationError("--scram-user must be USER:PASSWORD, got an entry without a user or a colon")
        }
        guard nodes >= 1 && nodes <= 64 else { throw ValidationError("--nodes must be 1 to 64, got \(nodes)") }
        guard partitions >= 1 else { throw ValidationError("--partitions must be at least 1, got \(partitions)") }
        guard groupInitialRebalanceDelayMs >= 0 else {
            throw ValidationError("--group-initial-rebalance-delay-ms must be 0 or more, got \(groupInitialRebalanceDelayMs)")
        }
        guard transactionTimeoutCheckIntervalMs >= 1 else {
            throw ValidationError(
                "--transaction-timeout-check-interval-ms must be at least 1, got \(transactionTimeoutCheckIntervalMs)")
        }
        guard (1...Int(Int32.max)).contains(transactionMaxTimeoutMs) else {
            throw ValidationError("--transaction-max-timeout-ms must be 1 to 2147483647, got \(transactionMaxTimeoutMs)")
        }
        for principal in superUser where KafkaPrincipal(parsing: principal) == nil {
            throw ValidationError("--super-user must be Type:Name, e.g. User:admin, got '\(principal)'")
        }
        if !authorizer && (!superUser.isEmpty || allowEveryoneIfNoAclFound) {
            throw ValidationError("--super-user and --allow-everyone-if-no-acl-found need --authorizer")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    static let defaultListen = "127.0.0.1:9092"

    private static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port), colon > text.startIndex
        else { return nil }
        return (String(text[..<colon]), port)
    }

    /// The --listener entries with their TLS settings.
    private func listeners() throws -> [ListenerConfiguration] {
        try listener.map { entry in
            guard let separator = entry.range(of: "://"), let (host, port) = Self.parseAddress(String(entry[separator.upperBound...]))
            else {
                throw ValidationError("--listener must be PROTOCOL://HOST:PORT, got '\(entry)'")
            }
            let security: ListenerConfiguration.Security
            switch entry[..<separator.lowerBound].uppercased() {
            case "PLAINTEXT": security = .plaintext
            case "SSL": security = .ssl(try serverTLS(for: entry))
            case "SASL_PLAINTEXT": security = .saslPlaintext
            case "SASL_SSL": security = .saslSSL(try serverTLS(for: entry))
            case let other:
                throw ValidationError("--listener protocol '\(other)' is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL")
            }
            return ListenerConfiguration(security: security, host: host, port: port)
        }
    }

    private func serverTLS(for entry: String) throws -> ServerTLSSettings {
        guard let sslCert, let sslKey else {
            throw ValidationError("--listener \(entry) needs --ssl-cert and --ssl-key")
        }
        guard let clientAuth = ServerTLSSettings.ClientAuthentication(rawValue: sslClientAuth.lowercased()) else {
            throw ValidationError("--ssl-client-auth must be required, requested or none, got '\(sslClientAuth)'")
        }
        if clientAuth != .none && sslCa == nil {
            throw ValidationError("--ssl-client-auth \(clientAuth.rawValue) needs --ssl-ca to check client certificates")
        }
        let keyPassword: SecretValue?
        do {
            keyPassword = try sslKeyPassword.map { try SecretReference.resolve($0) }
        } catch {
            throw ValidationError("--ssl-key-password: \(error)")
        }
        return ServerTLSSettings(
            certificateFile: sslCert, keyFile: sslKey, keyPassword: keyPassword, caFile: sslCa, clientAuthentication: clientAuth)
    }

    private func mechanisms() throws -> [SaslMechanism] {
        try saslMechanisms.split(separator: ",").map { name in
            guard let mechanism = SaslMechanism(configurationValue: name.trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("--sasl-mechanisms: '\(name)' is not one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512")
            }
            return mechanism
        }
    }

    /// The users saved in the data directory, then those of --scram-user.
    private func users() throws -> ScramUserStore {
        var store = try ScramUserStore.load(dataDirectory: dataDir)
        for entry in scramUser {
            let colon = entry.firstIndex(of: ":")!
            let user = String(entry[..<colon])
            do {
                try store.add(user: user, password: try SecretReference.resolve(String(entry[entry.index(after: colon)...])))
            } catch {
                throw ValidationError("--scram-user \(user): \(error)")
            }
        }
        return store
    }

    func run() async throws {
        let logger = bootstrapLogging(level: logLevel, label: "causeway.broker")
        let (host, port) = Self.parseAddress(listen ?? Self.defaultListen)!
        var configuration = BrokerConfiguration(dataDirectory: dataDir, nodes: nodes)
        configuration.host = host
        configuration.ports = (0..<nodes).map { port == 0 ? 0 : port + $0 }
        configuration.plaintextListener = listen != nil || listener.isEmpty
        configuration.listeners = try listeners()
        configuration.saslMechanisms = try mechanisms()
        configuration.saslUsers = try users()
        configuration.defaultPartitions = partitions
        configuration.autoCreateTopics = autoCreateTopics
        if flushEveryWrite { configuration.flushPolicy = .everyWrite }
        configuration.groups.initialRebalanceDelay = .milliseconds(groupInitialRebalanceDelayMs)
        configuration.transactions.timedOutTransactionCheckInterval = .milliseconds(transactionTimeoutCheckIntervalMs)
        configuration.transactions.maximumTimeout = .milliseconds(transactionMaxTimeoutMs)
        configuration.authorizer = AuthorizerConfiguration(
            isEnabled: authorizer, superUsers: Set(superUser.compactMap(KafkaPrincipal.init(parsing:))),
            allowEveryoneIfNoAclFound: allowEveryoneIfNoAclFound)

        let cluster = try await EmbeddedCluster.bind(configuration: configuration, logger: logger)
        // Unbuffered and in one write, so a parent process that sees the last line has them all.
        let lines = cluster.listenerNames.map { "listener.\($0)=\(cluster.bootstrapServers(listener: $0))\n" }
        FileHandle.standardOutput.write(Data((lines.joined() + "bootstrap.servers=\(cluster.bootstrapServers)\n").utf8))
        let group = ServiceGroup(
            configuration: .init(services: [cluster], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
