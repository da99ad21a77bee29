/// Who a connection acts as, in Kafka's `Type:Name` form ("User:alice").
///
/// The listener decides it when the connection authenticates: the SASL user name, the
/// subject of a TLS client certificate, or `User:ANONYMOUS` on a listener without
/// authentication. The authorizer matches ACL entries against it.
public struct KafkaPrincipal: Hashable, Sendable, CustomStringConvertible {
    public static let userType = "User"
    /// What a PLAINTEXT connection, or an unauthenticated one, acts as.
    public static let anonymous = KafkaPrincipal(type: userType, name: "ANONYMOUS")

    public let type: String
    public let name: String

    public init(type: String, name: String) {
        self.type = type
        self.name = name
    }

    /// A user principal, as SASL authentication produces.
    public static func user(_ name: String) -> KafkaPrincipal {
        KafkaPrincipal(type: userType, name: name)
    }

    /// Parses "Type:Name" as ACL requests carry it; nil when there is no colon or a part is empty.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let type = String(text[..<colon])
        let name = String(text[text.index(after: colon)...])
        guard !type.isEmpty, !name.isEmpty else { return nil }
        self.init(type: type, name: name)
    }

    public var description: String { "\(type):\(name)" }
}
