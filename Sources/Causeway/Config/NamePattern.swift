import Synchronization

/// A compiled regular expression matched against whole topic or group names.
///
/// Uses Swift's `Regex` syntax, which for the usual selection patterns (`orders\..*`,
/// `audit-[0-9]+`, `(a|b)-events`) reads as Java's, the syntax of MirrorMaker 2's topic
/// filters. A pattern always covers the whole name: `orders` does not match `orders-dlq`
/// (write `orders.*` for that), as in Kafka's own regex subscriptions.
public struct NamePattern: Hashable, Sendable, CustomStringConvertible {
    /// The pattern as written.
    public let source: String
    private let compiled: Compiled

    /// Compiles `source`; throws the compiler's error if it is not a valid pattern.
    public init(_ source: String) throws {
        self.source = source
        self.compiled = Compiled(try Regex(source))
    }

    /// A stand-in for a pattern that failed to compile, so that a configuration with errors keeps
    /// its list positions (and so its error key paths) while the errors are collected. Matches
    /// nothing; never escapes a configuration that failed.
    init(placeholderFor source: String) {
        self.source = source
        self.compiled = Compiled(try! Regex("(?!)"))  // a lookahead that can never succeed
    }

    /// True if the pattern matches all of `name`.
    public func matches(_ name: String) -> Bool {
        compiled.wholeMatches(name)
    }

    public var description: String { source }

    public static func == (lhs: NamePattern, rhs: NamePattern) -> Bool { lhs.source == rhs.source }
    public func hash(into hasher: inout Hasher) { hasher.combine(source) }

    /// `Regex<AnyRegexOutput>` is not `Sendable`, and it compiles its matching program lazily
    /// on first use; a lock makes sharing one pattern between tasks safe without relying on
    /// how that lazy step is implemented. Selection runs every few seconds over topic lists,
    /// so the lock costs nothing that matters.
    private final class Compiled: Sendable {
        private let regex: Mutex<Regex<AnyRegexOutput>>

        init(_ regex: consuming sending Regex<AnyRegexOutput>) {
            self.regex = Mutex(regex)
        }

        func wholeMatches(_ name: String) -> Bool {
            regex.withLock { regex in (try? regex.wholeMatch(in: name)) != nil }
        }
    }
}
