import ArgumentParser
import Foundation
import KafkaBroker
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
            Prints "bootstrap.servers=HOST:PORT,..." on standard output once it is listening.

            With --authorizer every request is checked against the ACLs kept in --data-dir \
            (Kafka's StandardAuthorizer rules: DENY wins, READ/WRITE/DELETE/ALTER imply \
            DESCRIBE, resources without ACLs are closed unless --allow-everyone-if-no-acl-found). \
            Name at least one --super-user to bootstrap: it bypasses the ACLs and can create \
            those of the others (kafka-acls.sh, AdminClient.create_acls). Connections without \
            authentication act as User:ANONYMOUS. Docs/broker.md has the details.
            """
    )

    @Option(name: .long, help: "Directory for partition logs and cluster metadata.")
    var dataDir: String

    @Option(name: .long, help: "Address to listen on, HOST:PORT (port 0 picks a free port).")
    var listen: String = "127.0.0.1:9092"

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
        guard parseListen() != nil else {
            throw ValidationError("--listen must be HOST:PORT with a port from 0 to 65535, got '\(listen)'")
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

    private func parseListen() -> (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port), colon > listen.startIndex
        else { return nil }
        return (String(listen[..<colon]), port)
    }

    func run() async throws {
        let logger = bootstrapLogging(level: logLevel, label: "causeway.broker")
        let (host, port) = parseListen()!
        var configuration = BrokerConfiguration(dataDirectory: dataDir, nodes: nodes)
        configuration.host = host
        configuration.ports = (0..<nodes).map { port == 0 ? 0 : port + $0 }
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
        // Unbuffered, so a parent process can read the address as soon as it is printed.
        FileHandle.standardOutput.write(Data("bootstrap.servers=\(cluster.bootstrapServers)\n".utf8))
        let group = ServiceGroup(
            configuration: .init(services: [cluster], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
