/// A TLS or SASL setting that cannot be used, or an exchange that failed, said in one
/// line a person can act on. Never contains a password, key or SASL token.
public struct SecurityError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
