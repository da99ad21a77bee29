import Yams

extension SelectionRule {
    static let expected = "a rule: {name: <exact name>}, {prefix: <text>} or {regex: <pattern>}"

    /// Reads a list of rules; a bad rule becomes a placeholder that matches nothing, so the
    /// rules after it keep their index (and their errors' key paths).
    static func readList(_ node: Node, at path: String, reader: inout ConfigurationReader) -> [Self] {
        guard let entries = reader.sequence(node, at: path, expected: "a list of rules, each \(expected)") else {
            return []
        }
        return entries.enumerated().map { index, entry in
            let entryPath = ConfigurationReader.path(path, index: index)
            if let rule = read(entry, at: entryPath, reader: &reader) { return rule }
            reader.cover(entryPath)
            return .name("")
        }
    }

    static func read(_ node: Node, at path: String, reader: inout ConfigurationReader) -> Self? {
        guard let mapping = reader.mapping(node, at: path, keys: kinds, expected: expected) else { return nil }
        let present = kinds.filter { mapping[$0] != nil }
        guard present.count == 1, let kind = present.first, let valueNode = mapping[kind] else {
            if !present.isEmpty || mapping.unknownKeys.isEmpty {  // else the unknown key said it already
                reader.report(
                    .invalidValue, at: path, node: node,
                    value: present.isEmpty ? nil : present.joined(separator: " and "),
                    expected: expected,
                    message: present.isEmpty
                        ? "a rule needs one of name, prefix or regex"
                        : "a rule has exactly one of name, prefix or regex; found \(present.joined(separator: " and ")); write one rule per list entry"
                )
            }
            return nil
        }
        let valuePath = mapping.path(kind)
        guard let text = reader.text(valueNode, at: valuePath, expected: "text") else { return nil }
        switch kind {
        case "name": return .name(text)
        case "prefix": return .prefix(text)
        default:
            do {
                return .regex(try NamePattern(text))
            } catch {
                reader.report(
                    .invalidValue, at: valuePath, node: valueNode, value: text,
                    expected: "a regular expression (Swift Regex syntax)",
                    message: "regex '\(text)' does not compile: \(error)")
                return .regex(NamePattern(placeholderFor: text))
            }
        }
    }
}
