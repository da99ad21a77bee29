/// The value checks of ``LinkConfiguration/validationErrors()``, collecting problems in order.
struct ConfigurationChecks {
    private(set) var problems: [ConfigurationError] = []

    /// Shortest interval of any periodic task: a smaller one would poll the clusters in a loop.
    static let minimumInterval: Duration = .milliseconds(100)
    static let nameExpected = "letters, digits, '.', '_' and '-', 1 to 200 characters"
    static let topicExpected = "a topic name: letters, digits, '.', '_' and '-', at most 249 characters"

    mutating func fail(
        _ path: String, code: ConfigurationError.Code = .invalidValue, value: String?, expected: String,
        message: String
    ) {
        problems.append(
            ConfigurationError(code: code, keyPath: path, value: value, expected: expected, message: message))
    }

    mutating func name(_ name: String, at path: String, what: String) {
        guard !Self.isLegalName(name, maximumLength: 200) else { return }
        fail(
            path, value: name, expected: Self.nameExpected,
            message: name.isEmpty
                ? "the \(what) is empty; expected \(Self.nameExpected)"
                : "\(what) '\(name)' is not valid; expected \(Self.nameExpected)")
    }

    mutating func cluster(_ cluster: ClusterConfiguration, at path: String) {
        let prefix = path.isEmpty ? "" : path + "."
        if cluster.bootstrap.isEmpty {
            fail(
                prefix + "bootstrap", value: nil, expected: ClusterConfiguration.bootstrapExpected,
                message: "no bootstrap servers; expected \(ClusterConfiguration.bootstrapExpected)")
        } else if let bad = cluster.bootstrap.first(where: { $0.host.isEmpty || !(1...65535).contains($0.port) }) {
            fail(
                prefix + "bootstrap", value: bad.description, expected: ClusterConfiguration.bootstrapExpected,
                message: "'\(bad)' is not a bootstrap server; expected \(ClusterConfiguration.bootstrapExpected)")
        }
        if cluster.clientID.isEmpty {
            fail(
                prefix + "clientId", value: "", expected: "a non-empty client id",
                message: "the client id is empty; give one or remove the key for causeway-<link>")
        }
        duration(
            cluster.requestTimeout, at: prefix + "requestTimeout",
            in: ClusterConfiguration.minimumRequestTimeout...Duration.milliseconds(Int64(Int32.max)))
    }

    mutating func rules(_ rules: [SelectionRule], at path: String, topicNames: Bool) {
        for (index, rule) in rules.enumerated() {
            let rulePath = "\(path)[\(index)].\(rule.kind)"
            switch rule {
            case .regex:
                continue  // compiled when built: a NamePattern is always valid
            case .name(let text), .prefix(let text):
                if text.isEmpty {
                    fail(
                        rulePath, value: "", expected: topicNames ? Self.topicExpected : "a non-empty text",
                        message:
                            "an empty \(rule.kind) selects \(rule.kind == "prefix" ? "everything" : "nothing"); \(rule.kind == "prefix" ? "use {regex: '.*'} to mean every topic" : "give a name")"
                    )
                } else if topicNames && !Self.isLegalName(text, maximumLength: 249) {
                    fail(
                        rulePath, value: text, expected: Self.topicExpected,
                        message: "'\(text)' can never match a topic; expected \(Self.topicExpected)")
                }
            }
        }
    }

    mutating func configName(_ config: String, at path: String) {
        let legal =
            !config.isEmpty
            && config.allSatisfy {
                $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_")
            }
        guard !legal else { return }
        fail(
            path, value: config, expected: "a topic config name such as retention.ms",
            message: "'\(config)' is not a topic config name; expected lower-case words with dots, such as retention.ms"
        )
    }

    mutating func interval(_ interval: Duration, at path: String) {
        duration(interval, at: path, in: Self.minimumInterval...Duration.seconds(86_400 * 365))
    }

    mutating func duration(_ value: Duration, at path: String, in range: ClosedRange<Duration>) {
        guard !range.contains(value) else { return }
        let expected =
            "a duration from \(DurationSyntax.format(range.lowerBound)) to \(DurationSyntax.format(range.upperBound))"
        fail(
            path, value: DurationSyntax.format(value), expected: expected,
            message: "\(DurationSyntax.format(value)) is out of range; expected \(expected)")
    }

    mutating func size(_ value: Int, at path: String, in range: ClosedRange<Int>) {
        guard !range.contains(value) else { return }
        let expected = "a size from \(range.lowerBound) to \(range.upperBound) bytes"
        fail(path, value: String(value), expected: expected, message: "\(value) is out of range; expected \(expected)")
    }

    /// Kafka's rule for topic names (`Topic.validate`), used for link and destination names too.
    static func isLegalName(_ name: String, maximumLength: Int) -> Bool {
        !name.isEmpty && name.count <= maximumLength && name != "." && name != ".."
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }
}
