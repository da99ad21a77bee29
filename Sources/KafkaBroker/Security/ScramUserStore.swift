import KafkaSecurity

/// The SASL users a broker accepts, as SCRAM credentials per mechanism (Kafka's
/// `kafka-configs --add-config SCRAM-SHA-512=[password=...]`). Passwords are salted and
/// hashed when added and never kept; SASL PLAIN is checked against the SHA-512
/// credential, so PLAIN and SCRAM share one set of users.
public struct ScramUserStore: Sendable {
    private(set) var users: [String: [ScramAlgorithm: ScramCredential]] = [:]

    public init() {}

    init(users: [String: [ScramAlgorithm: ScramCredential]]) {
        self.users = users
    }

    /// Adds or replaces a user, with credentials for SCRAM-SHA-256 and SCRAM-SHA-512.
    public mutating func add(user: String, password: SecretValue, iterations: Int = ScramAlgorithm.minimumIterations) throws {
        users[user] = [
            .sha256: try ScramCredential(password: password, algorithm: .sha256, iterations: iterations),
            .sha512: try ScramCredential(password: password, algorithm: .sha512, iterations: iterations),
        ]
    }

    public var names: [String] { users.keys.sorted() }

    /// Adds the users of `other`, replacing those of the same name.
    public mutating func merge(_ other: ScramUserStore) {
        users.merge(other.users) { _, theirs in theirs }
    }

    /// Removes a user; false when there was none of that name.
    @discardableResult
    public mutating func remove(user: String) -> Bool {
        users.removeValue(forKey: user) != nil
    }

    func credential(user: String, algorithm: ScramAlgorithm) -> ScramCredential? {
        users[user]?[algorithm]
    }

    /// SASL PLAIN: true when `password` is the user's.
    func verifyPlain(user: String, password: String) -> Bool {
        guard let credential = users[user]?[.sha512] else { return false }
        return credential.matches(password: password, algorithm: .sha512)
    }
}
