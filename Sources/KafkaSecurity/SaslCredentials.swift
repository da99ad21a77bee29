/// Who a client authenticates as over SASL. The password prints as "<redacted>".
public struct SaslCredentials: Hashable, Sendable, CustomStringConvertible {
    public var mechanism: SaslMechanism
    public var username: String
    public var password: SecretValue

    public init(mechanism: SaslMechanism, username: String, password: SecretValue) {
        self.mechanism = mechanism
        self.username = username
        self.password = password
    }

    public var description: String { "\(mechanism) as \(username) (password <redacted>)" }
}
