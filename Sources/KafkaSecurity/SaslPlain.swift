/// SASL PLAIN (RFC 4616): one message `authzid NUL user NUL password`.
public enum SaslPlain {
    /// The client's message.
    public static func message(username: String, password: SecretValue) -> [UInt8] {
        [0] + Array(username.utf8) + [0] + Array(password.revealed.utf8)
    }

    /// Splits a client's message into user and password; nil when malformed or when
    /// it asks to act as someone else (an authorization id other than the user).
    public static func parse(_ bytes: [UInt8]) -> (user: String, password: String)? {
        let parts = bytes.split(separator: 0, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[1].isEmpty else { return nil }
        let authorizationID = String(decoding: parts[0], as: UTF8.self)
        let user = String(decoding: parts[1], as: UTF8.self)
        guard authorizationID.isEmpty || authorizationID == user else { return nil }
        return (user, String(decoding: parts[2], as: UTF8.self))
    }
}
