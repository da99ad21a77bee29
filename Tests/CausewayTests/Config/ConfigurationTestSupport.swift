import Causeway
import Testing

/// A valid link with only the required keys; tests append or replace sections.
let minimalLink = """
    name: orders
    source:
      bootstrap: src-1:9092
    destinations:
      - name: cloud
        bootstrap: dst-1:9092
    topics:
      include:
        - name: orders
    """

/// The problems `yaml` has, recording a test issue if it has none.
func problems(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> [ConfigurationError] {
    do {
        _ = try LinkConfiguration(yaml: yaml)
        Issue.record("expected configuration errors, got none", sourceLocation: sourceLocation)
        return []
    } catch {
        return error.errors
    }
}

/// The single problem `yaml` has, recording a test issue if it has another number of them.
func problem(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigurationError? {
    let found = problems(yaml, sourceLocation: sourceLocation)
    guard found.count == 1 else {
        Issue.record(
            "expected one problem, got \(found.count):\n\(ConfigurationErrors(errors: found))",
            sourceLocation: sourceLocation)
        return found.first
    }
    return found[0]
}

/// `deploy/examples/<name>`, found from this file's path so tests run from any directory.
func examplePath(_ name: String, file: StaticString = #filePath) -> String {
    var components = "\(file)".split(separator: "/", omittingEmptySubsequences: false)
    // .../Tests/CausewayTests/Config/ThisFile.swift -> the package root
    components.removeLast(4)
    return (components + ["deploy", "examples", Substring(name)]).joined(separator: "/")
}
