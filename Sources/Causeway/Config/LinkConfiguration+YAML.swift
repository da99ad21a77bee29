import Foundation
import Yams

extension LinkConfiguration {
    /// The top-level keys of a link file.
    static let keys = [
        "name", "source", "destinations", "topics", "startPosition", "configSync", "groups", "store", "fetch",
        "produce",
    ]

    /// Reads and validates the link file at `path`.
    ///
    /// - Throws: ``ConfigurationErrors`` with every problem in the file, each with its line,
    ///   rendered one per line as `path:line:column: key.path: message`.
    public static func load(path: String) throws(ConfigurationErrors) -> LinkConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationErrors(
                file: path,
                errors: [
                    ConfigurationError(
                        code: .unreadableFile, keyPath: "", value: path, expected: "a readable UTF-8 YAML file",
                        message: "cannot read the configuration file: \(error.localizedDescription)")
                ])
        }
        return try LinkConfiguration(yaml: text, file: path)
    }

    /// Reads and validates a link configuration from YAML text.
    ///
    /// Unknown keys are errors (with a "did you mean" for typos); every problem is collected
    /// in one pass, parsing and validation alike.
    /// `environment` resolves `env:NAME` secrets (default: the process's environment).
    public init(
        yaml: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationErrors) {
        try self.init(yaml: yaml, file: nil, environment: environment)
    }

    init(
        yaml: String, file: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationErrors) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigurationErrors(file: file, errors: [Self.syntaxError(error)])
        }
        guard let root, !ConfigurationReader.isNull(root) else {
            throw ConfigurationErrors(
                file: file,
                errors: [
                    ConfigurationError(
                        code: .missingKey, keyPath: "", value: nil,
                        expected: "a mapping with keys name, source, destinations, topics",
                        message:
                            "the configuration is empty; expected a mapping with at least name, source, destinations and topics"
                    )
                ])
        }

        var reader = ConfigurationReader(environment: environment)
        let configuration = Self.read(root, reader: &reader)

        // Validation runs on the values read, with defaults standing in for bad ones; a problem
        // at or around a key that already failed to read would only repeat it, so it is dropped.
        var errors = reader.errors
        let accountedFor = reader.errors.map(\.keyPath) + reader.covered
        for var problem in configuration.validationErrors()
        where !accountedFor.contains(where: { Self.related($0, problem.keyPath) }) {
            let mark = reader.mark(nearest: problem.keyPath)
            problem.line = mark?.line
            problem.column = mark?.column
            errors.append(problem)
        }
        guard errors.isEmpty else {
            let ordered = errors.enumerated().sorted { a, b in
                let left = (a.element.line ?? Int.max, a.element.column ?? 0, a.offset)
                let right = (b.element.line ?? Int.max, b.element.column ?? 0, b.offset)
                return left < right
            }
            throw ConfigurationErrors(file: file, errors: ordered.map(\.element))
        }
        self = configuration
    }

    static func read(_ root: Node, reader: inout ConfigurationReader) -> LinkConfiguration {
        let mapping = reader.mapping(
            root, at: "", keys: keys, expected: "a mapping of link settings (name, source, destinations, topics, ...)")
        let entries = mapping?.entries ?? [:]

        var name = ""
        if let mapping, let node = reader.required("name", in: mapping, expected: ConfigurationChecks.nameExpected) {
            name = reader.text(node, at: "name", expected: ConfigurationChecks.nameExpected) ?? ""
        }

        var source = ClusterConfiguration(bootstrap: [], clientID: ClusterConfiguration.defaultClientID(link: name))
        if let mapping,
            let node = reader.required(
                "source", in: mapping, expected: "a cluster: bootstrap, clientId, requestTimeout, security"),
            let cluster = reader.mapping(node, at: "source", keys: ClusterConfiguration.keys)
        {
            source = ClusterConfiguration.read(cluster, link: name, reader: &reader)
        }

        var destinations: [DestinationConfiguration] = []
        if let mapping,
            let node = reader.required(
                "destinations", in: mapping, expected: "a list of destinations, each with name and bootstrap")
        {
            destinations = DestinationConfiguration.readList(node, at: "destinations", link: name, reader: &reader)
        }

        return LinkConfiguration(
            name: name,
            source: source,
            destinations: destinations,
            topics: TopicSelection.read(entries["topics"], at: "topics", reader: &reader),
            startPosition: StartPosition.read(entries["startPosition"], at: "startPosition", reader: &reader),
            configSync: ConfigSyncPolicy.read(entries["configSync"], at: "configSync", reader: &reader),
            groups: GroupSelection.read(entries["groups"], at: "groups", reader: &reader),
            store: StoreConfiguration.read(entries["store"], at: "store", link: name, reader: &reader),
            fetch: FetchTuning.read(entries["fetch"], at: "fetch", reader: &reader),
            produce: ProduceTuning.read(entries["produce"], at: "produce", reader: &reader)
        )
    }

    /// True if one key path is the other or contains it (`destinations[0]` and `destinations[0].name`).
    static func related(_ a: String, _ b: String) -> Bool {
        func contains(_ outer: String, _ inner: String) -> Bool {
            if outer == inner || outer.isEmpty { return true }
            guard inner.hasPrefix(outer) else { return false }
            let next = inner[inner.index(inner.startIndex, offsetBy: outer.count)]
            return next == "." || next == "["
        }
        return contains(a, b) || contains(b, a)
    }

    /// One line for a YAML syntax error: libyaml's problem and where.
    static func syntaxError(_ error: any Error) -> ConfigurationError {
        var problem = "\(error)"
        var mark: Mark?
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(let context, let text, let at, _), .parser(let context, let text, let at, _),
                .composer(let context, let text, let at, _):
                problem = text + (context.map { " (\($0.text))" } ?? "")
                mark = at
            case .duplicatedKeysInMapping(let duplicates, let context):
                let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
                problem = "key \(keys) appears more than once in one mapping"
                mark = context.mark
            default:
                break
            }
        }
        problem = problem.split(separator: "\n").first.map(String.init) ?? problem
        return ConfigurationError(
            code: .syntax, keyPath: "", value: nil, expected: "well-formed YAML",
            message: "not valid YAML: \(problem)", line: mark?.line, column: mark?.column)
    }
}
