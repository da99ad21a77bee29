/// One problem in a link configuration: where it is, what was found, and what would be accepted.
///
/// Parsing and validation never stop at the first problem; they collect every one into
/// ``ConfigurationErrors`` so a user can fix the whole file in one go.
public struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is, for programs; people read ``message``.
    public enum Code: String, Hashable, Sendable {
        /// The file could not be read.
        case unreadableFile
        /// The text is not well-formed YAML (or holds more than one document).
        case syntax
        /// A key this version of Causeway does not know (often a typo).
        case unknownKey
        /// A required key is absent.
        case missingKey
        /// A value of the wrong shape: a list where a mapping belongs, a mapping where text belongs.
        case wrongType
        /// A value of the right shape that is not acceptable (bad duration, out of range, bad regex).
        case invalidValue
        /// A value that must be unique appears twice (destination names, clusters).
        case duplicate
    }

    public var code: Code
    /// The key's path from the document root, as `destinations[1].bootstrap`; empty for the root itself.
    public var keyPath: String
    /// The offending value as written, or nil when the key is missing.
    public var value: String?
    /// What would be accepted, e.g. `a duration such as 250ms, 5s, 2m, 1h, or integer milliseconds`.
    public var expected: String
    /// A sentence a person can act on. It names the value and what is accepted.
    public var message: String
    /// Where in the file, 1-based, when the configuration came from YAML.
    public var line: Int?
    public var column: Int?

    public init(
        code: Code, keyPath: String, value: String?, expected: String, message: String,
        line: Int? = nil, column: Int? = nil
    ) {
        self.code = code
        self.keyPath = keyPath
        self.value = value
        self.expected = expected
        self.message = message
        self.line = line
        self.column = column
    }

    /// `line:column: keyPath: message`, the parts that are known.
    public var description: String {
        var parts: [String] = []
        if let line {
            parts.append(column.map { "\(line):\($0)" } ?? "\(line)")
        }
        if !keyPath.isEmpty { parts.append(keyPath) }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}
