/// Every problem found in one configuration, thrown by ``LinkConfiguration/init(yaml:)``,
/// ``LinkConfiguration/load(path:)`` and ``LinkConfiguration/validate()``.
///
/// Rendered one problem per line, compiler style (`file:line:column: key.path: message`), so
/// editors and `grep` can jump to each.
public struct ConfigurationErrors: Error, Sendable, CustomStringConvertible {
    /// The file the configuration came from, if any.
    public var file: String?
    /// In document order when they came from YAML; never empty when thrown.
    public var errors: [ConfigurationError]

    public init(file: String? = nil, errors: [ConfigurationError]) {
        self.file = file
        self.errors = errors
    }

    public var description: String {
        errors.map { error in
            guard let file else { return error.description }
            return error.line == nil ? "\(file): \(error.description)" : "\(file):\(error.description)"
        }.joined(separator: "\n")
    }

    /// The errors at exactly `keyPath`.
    public func errors(at keyPath: String) -> [ConfigurationError] {
        errors.filter { $0.keyPath == keyPath }
    }
}
