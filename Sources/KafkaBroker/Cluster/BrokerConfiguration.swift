import Foundation
import KafkaSecurity

/// How an embedded broker (or cluster of brokers in one process) runs. Each setting
/// names the Kafka broker config it stands for; defaults are Kafka 4.0's except where
/// noted.
public struct BrokerConfiguration: Sendable {
    /// `log.dirs`: where partition logs and cluster metadata live.
    public var dataDirectory: String
    /// The address every node listens on. Tests use 127.0.0.1 with port 0.
    public var host: String = "127.0.0.1"
    /// One port per node; 0 lets the system pick. Its count is the number of nodes.
    public var ports: [Int] = [0]
    /// `node.id` of the first node; the others follow.
    public var firstNodeID: Int32 = 1
    /// `auto.create.topics.enable`.
    public var autoCreateTopics = true
    /// `num.partitions`: partitions of an auto-created topic or a CreateTopics with -1.
    public var defaultPartitions = 1
    /// `default.replication.factor`.
    public var defaultReplicationFactor = 1
    /// `socket.request.max.bytes`: the largest request frame accepted (100 MiB).
    public var maximumRequestSize = 100 * 1024 * 1024
    /// `max.connections`: Kafka's default is unlimited; an embedded broker caps it so a
    /// runaway client cannot exhaust file descriptors. Connections over it are closed.
    public var maximumConnections = 4096
    /// `connections.max.idle.ms`: a connection with no traffic this long is closed.
    public var idleConnectionTimeout: Duration = .seconds(600)
    /// `log.flush.interval.messages` / `log.flush.interval.ms` for topics that set neither.
    public var flushPolicy: FlushPolicy = .never
    /// `log.retention.check.interval.ms`.
    public var retentionCheckInterval: Duration = .seconds(300)
    /// `log.segment.bytes` for topics that do not set `segment.bytes`.
    public var segmentBytes: Int = 1 << 30
    /// The group coordinator's settings (`group.*`, `offsets.*`).
    public var groups = GroupCoordinatorConfiguration()
    /// Transaction coordinator settings (`Transactions/`).
    public var transactions = TransactionCoordinatorConfiguration()
    /// ACL checks (`authorizer.class.name`, `super.users`, `allow.everyone.if.no.acl.found`); off by default.
    public var authorizer = AuthorizerConfiguration()
    /// Whether `host`/`ports` serve a PLAINTEXT listener. False when only `listeners` serve.
    public var plaintextListener = true
    /// Further listeners (`listeners=`: SSL, SASL_PLAINTEXT, SASL_SSL), each on every node.
    public var listeners: [ListenerConfiguration] = []
    /// `sasl.enabled.mechanisms`: what SASL listeners offer, in this order.
    public var saslMechanisms: [SaslMechanism] = SaslMechanism.allCases
    /// The users SASL listeners accept (salted SCRAM credentials, no passwords).
    public var saslUsers = ScramUserStore()

    public init(dataDirectory: String, nodes: Int = 1) {
        self.dataDirectory = dataDirectory
        self.ports = Array(repeating: 0, count: max(1, nodes))
    }

    public var nodeIDs: [Int32] { (0..<ports.count).map { firstNodeID + Int32($0) } }

    /// Every listener: the PLAINTEXT one of `host`/`ports` (when on) first, then `listeners`.
    var allListeners: [ListenerConfiguration] {
        let plaintext = ListenerConfiguration(security: .plaintext, host: host, port: ports.first ?? 0)
        return (plaintextListener ? [plaintext] : []) + listeners
    }

    /// The port of `listener` on the node at `index`: `ports` for the PLAINTEXT listener
    /// of `host`, consecutive ports (or free ones) for the others.
    func port(of listener: ListenerConfiguration, nodeAt index: Int) -> Int {
        plaintextListener && listener.name == "PLAINTEXT" ? ports[index] : listener.port(forNodeAt: index)
    }

    /// Checks the settings once; the error names the key, the value and what is accepted.
    public func validated() throws -> BrokerConfiguration {
        func check(_ valid: Bool, _ key: String, _ value: Any, _ accepted: String) throws {
            if !valid { throw BrokerError.invalidConfiguration(key: key, value: "\(value)", accepted: accepted) }
        }
        try check(!dataDirectory.isEmpty, "data-dir", dataDirectory, "a directory path")
        try check(!ports.isEmpty, "nodes", ports.count, "at least 1")
        try check(ports.allSatisfy { (0...65535).contains($0) }, "port", ports, "0 to 65535")
        try check(defaultPartitions >= 1, "num.partitions", defaultPartitions, "at least 1")
        try check(defaultReplicationFactor >= 1, "default.replication.factor", defaultReplicationFactor, "at least 1")
        try check(maximumRequestSize >= 1024, "socket.request.max.bytes", maximumRequestSize, "at least 1024")
        try check(maximumConnections >= 1, "max.connections", maximumConnections, "at least 1")
        _ = try groups.validated()
        _ = try transactions.validated()
        let names = (plaintextListener ? ["PLAINTEXT"] : []) + listeners.map(\.name)
        try check(!names.isEmpty, "listeners", "none", "at least one listener")
        try check(Set(names).count == names.count, "listeners", names.joined(separator: ","), "each security protocol once")
        try check(listeners.allSatisfy { (0...65535).contains($0.port) }, "listeners", listeners.map(\.port), "ports 0 to 65535")
        try check(!saslMechanisms.isEmpty, "sasl.enabled.mechanisms", "none", "at least one of \(SaslMechanism.allCases)")
        return self
    }
}
