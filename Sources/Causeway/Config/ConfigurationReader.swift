import Yams

/// Reads values out of a composed YAML tree, collecting every problem it meets, with its line
/// and column, instead of stopping at the first.
///
/// Each reading function reports what is wrong and returns nil; the caller then keeps a
/// default or a placeholder so that later list positions, and so later key paths, stay right.
struct ConfigurationReader {
    /// Resolves `env:NAME` secrets.
    let environment: [String: String]

    init(environment: [String: String] = [:]) {
        self.environment = environment
    }

    private(set) var errors: [ConfigurationError] = []
    /// Key paths that hold a default or placeholder because of a problem already reported
    /// (under another path); validation problems there would only repeat it.
    private(set) var covered: [String] = []
    /// Where each key path's value sits, to place the validation errors found afterwards.
    private var marks: [String: Mark] = [:]

    /// A mapping whose keys have been checked against the keys it may hold.
    struct Mapping {
        let path: String
        let node: Node
        let entries: [String: Node]
        /// Keys the mapping held that it may not, as written.
        let unknownKeys: [String]
        /// Known keys that an unknown key was taken for a typo of: their absence is not reported again.
        let suggested: Set<String>

        subscript(key: String) -> Node? { entries[key] }

        func path(_ key: String) -> String { ConfigurationReader.path(path, key) }
    }

    static func path(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : "\(parent).\(key)" }
    static func path(_ parent: String, index: Int) -> String { "\(parent)[\(index)]" }

    // MARK: Reporting

    mutating func report(
        _ code: ConfigurationError.Code, at path: String, node: Node?, value: String?, expected: String,
        message: String
    ) {
        let mark = node?.mark ?? self.mark(nearest: path)
        errors.append(
            ConfigurationError(
                code: code, keyPath: path, value: value, expected: expected, message: message,
                line: mark?.line, column: mark?.column))
    }

    /// The mark of `path`, or of its nearest ancestor that has one.
    func mark(nearest path: String) -> Mark? {
        var path = path
        while true {
            if let mark = marks[path] { return mark }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { return marks[""] }
            path = String(path[..<cut])
        }
    }

    /// Marks `path` as standing in for a value whose problem was reported elsewhere.
    mutating func cover(_ path: String) {
        covered.append(path)
    }

    private mutating func remember(_ node: Node, at path: String) {
        if let mark = node.mark { marks[path] = mark }
    }

    /// How a value is quoted in messages: a scalar as written, anything else by its shape.
    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): isNull(node) ? "nothing" : "'\(scalar.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// The value for ``ConfigurationError/value``: a scalar's text, nil for an empty value.
    static func value(of node: Node) -> String? {
        if isNull(node) { return nil }
        if case .scalar(let scalar) = node { return scalar.string }
        return describe(node)
    }

    /// An empty value (`key:`), `~` or `null`, YAML's spellings of nothing.
    static func isNull(_ node: Node) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    private mutating func wrongType(_ node: Node, at path: String, expected: String) {
        report(
            .wrongType, at: path, node: node, value: Self.value(of: node), expected: expected,
            message: "expected \(expected), found \(Self.describe(node))")
    }

    // MARK: Shapes

    /// Opens a mapping, reporting it if `node` is something else, and each key not in `keys`
    /// (with the closest known key as a suggestion).
    mutating func mapping(_ node: Node, at path: String, keys: [String], expected: String? = nil) -> Mapping? {
        remember(node, at: path)
        guard case .mapping(let mapping) = node else {
            wrongType(node, at: path, expected: expected ?? "a mapping with keys \(keys.joined(separator: ", "))")
            return nil
        }
        var entries: [String: Node] = [:]
        var unknownKeys: [String] = []
        var suggested: Set<String> = []
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                report(
                    .wrongType, at: path, node: keyNode, value: Self.describe(keyNode), expected: "text keys",
                    message: "a key must be text, found \(Self.describe(keyNode))")
                continue
            }
            let keyPath = Self.path(path, key.string)
            guard keys.contains(key.string) else {
                let place = path.isEmpty ? "at the top level" : "in \(path)"
                var message = "unknown key '\(key.string)' \(place)"
                unknownKeys.append(key.string)
                // With a single possible key, anything else can only have meant it.
                if let suggestion = keys.count == 1 ? keys[0] : KeySuggestion.closest(to: key.string, among: keys) {
                    suggested.insert(suggestion)
                    message += "; did you mean '\(suggestion)'?"
                } else {
                    message += "; expected one of \(keys.joined(separator: ", "))"
                }
                report(
                    .unknownKey, at: keyPath, node: keyNode, value: key.string,
                    expected: "one of \(keys.joined(separator: ", "))", message: message)
                continue
            }
            entries[key.string] = value
            remember(value, at: keyPath)
        }
        return Mapping(path: path, node: node, entries: entries, unknownKeys: unknownKeys, suggested: suggested)
    }

    /// Reports `key` missing from `mapping` if it is (unless a typo of it was reported
    /// already), and returns its value.
    mutating func required(_ key: String, in mapping: Mapping, expected: String) -> Node? {
        if let node = mapping[key] { return node }
        if mapping.suggested.contains(key) {
            cover(mapping.path(key))
            return nil
        }
        report(
            .missingKey, at: mapping.path(key), node: mapping.node, value: nil, expected: expected,
            message: "missing key '\(key)'\(mapping.path.isEmpty ? "" : " in \(mapping.path)"); expected \(expected)")
        return nil
    }

    mutating func sequence(_ node: Node, at path: String, expected: String) -> [Node]? {
        remember(node, at: path)
        guard case .sequence(let sequence) = node else {
            wrongType(node, at: path, expected: expected)
            return nil
        }
        for (index, element) in sequence.enumerated() { remember(element, at: Self.path(path, index: index)) }
        return Array(sequence)
    }

    // MARK: Scalars

    /// Any non-empty scalar, as written.
    mutating func text(_ node: Node, at path: String, expected: String) -> String? {
        remember(node, at: path)
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            wrongType(node, at: path, expected: expected)
            return nil
        }
        return scalar.string
    }

    mutating func texts(_ node: Node, at path: String, expected: String) -> [String]? {
        guard let elements = sequence(node, at: path, expected: "a list of \(expected)") else { return nil }
        var texts: [String] = []
        for (index, element) in elements.enumerated() {
            guard let text = text(element, at: Self.path(path, index: index), expected: expected) else { continue }
            texts.append(text)
        }
        return texts
    }

    mutating func integer(_ node: Node, at path: String, expected: String) -> Int? {
        guard let text = text(node, at: path, expected: expected) else { return nil }
        guard let value = Int(text) else {
            report(
                .invalidValue, at: path, node: node, value: text, expected: expected,
                message: "'\(text)' is not \(expected)")
            return nil
        }
        return value
    }

    mutating func duration(_ node: Node, at path: String) -> Duration? {
        guard let text = text(node, at: path, expected: DurationSyntax.expected) else { return nil }
        guard let duration = DurationSyntax.parse(text) else {
            report(
                .invalidValue, at: path, node: node, value: text, expected: DurationSyntax.expected,
                message: "'\(text)' is not a duration; expected \(DurationSyntax.expected)")
            return nil
        }
        return duration
    }

    mutating func byteSize(_ node: Node, at path: String) -> Int? {
        guard let text = text(node, at: path, expected: ByteSizeSyntax.expected) else { return nil }
        guard let bytes = ByteSizeSyntax.parse(text) else {
            report(
                .invalidValue, at: path, node: node, value: text, expected: ByteSizeSyntax.expected,
                message: "'\(text)' is not a size; expected \(ByteSizeSyntax.expected)")
            return nil
        }
        return bytes
    }
}
