/// A password, key password or SASL token that must never be printed.
///
/// Its `description` and `debugDescription` are "<redacted>", so string interpolation,
/// `dump`, logs and error messages cannot leak it by accident (STYLE rule 7). The
/// value is read only through `revealed`, at the one place that sends or uses it.
public struct SecretValue: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The secret itself. Callers use it only to authenticate, never to print.
    public let revealed: String

    public init(_ value: String) {
        self.revealed = value
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
