extension LinkConfiguration {
    /// Throws ``ConfigurationErrors`` listing every problem, or returns if there is none.
    ///
    /// ``init(yaml:)`` and ``load(path:)`` call this already; call it on a configuration built
    /// or changed in code.
    public func validate() throws(ConfigurationErrors) {
        let problems = validationErrors()
        guard problems.isEmpty else { throw ConfigurationErrors(errors: problems) }
    }

    /// Every problem with this configuration's values, each naming its key path, or none.
    public func validationErrors() -> [ConfigurationError] {
        var check = ConfigurationChecks()

        check.name(name, at: "name", what: "link name")
        check.cluster(source, at: "source")

        if destinations.isEmpty {
            check.fail(
                "destinations", value: "an empty list", expected: "at least one destination",
                message: "a link needs at least one destination; add an entry with name and bootstrap")
        }
        var firstWithName: [String: Int] = [:]
        var firstWithBootstrap: [Set<String>: Int] = [:]
        let sourceBootstrap = Self.bootstrapIdentity(source.bootstrap)
        for (index, destination) in destinations.enumerated() {
            let path = "destinations[\(index)]"
            check.name(destination.name, at: "\(path).name", what: "destination name")
            if let first = firstWithName[destination.name] {
                check.fail(
                    "\(path).name", code: .duplicate, value: destination.name,
                    expected: "a name no other destination of this link has",
                    message: "destination name '\(destination.name)' is already used by destinations[\(first)]")
            } else if !destination.name.isEmpty {
                firstWithName[destination.name] = index
            }
            check.cluster(destination.cluster, at: path)

            let bootstrap = Self.bootstrapIdentity(destination.cluster.bootstrap)
            guard !bootstrap.isEmpty else { continue }
            if bootstrap == sourceBootstrap {
                check.fail(
                    "\(path).bootstrap", value: Self.render(destination.cluster.bootstrap),
                    expected: "a cluster other than the source",
                    message:
                        "destinations[\(index)] has the source's bootstrap servers; a link cannot mirror a cluster onto itself"
                )
            } else if let first = firstWithBootstrap[bootstrap] {
                check.fail(
                    "\(path).bootstrap", code: .duplicate, value: Self.render(destination.cluster.bootstrap),
                    expected: "a cluster no other destination of this link writes to",
                    message:
                        "destinations[\(index)] has the same bootstrap servers as destinations[\(first)]; two mirrors writing one partition would make both DIVERGED"
                )
            } else {
                firstWithBootstrap[bootstrap] = index
            }
        }

        if topics.include.isEmpty {
            check.fail(
                "topics.include", value: nil,
                expected: "at least one rule: {name: <topic>}, {prefix: <text>} or {regex: <pattern>}",
                message:
                    "at least one topic include rule is needed; a link that mirrors nothing is almost certainly a mistake"
            )
        }
        check.rules(topics.include, at: "topics.include", topicNames: true)
        check.rules(topics.exclude, at: "topics.exclude", topicNames: true)
        check.interval(topics.discoveryInterval, at: "topics.discoveryInterval")

        if case .timestamp(let milliseconds) = startPosition, milliseconds < 0 {
            check.fail(
                "startPosition.timestamp", value: String(milliseconds), expected: StartPosition.expected,
                message: "timestamp \(milliseconds) is before 1970; \(StartPosition.expected)")
        }

        for (index, config) in configSync.include.enumerated() {
            let path = "configSync.include[\(index)]"
            if ConfigSyncPolicy.forcedConfigs.contains(config) {
                check.fail(
                    path, value: config,
                    expected:
                        "a topic config other than \(ConfigSyncPolicy.forcedConfigs.sorted().joined(separator: ", "))",
                    message:
                        "'\(config)' is never synced: Causeway sets it on every mirror topic itself (compression.type=producer, message.timestamp.type=CreateTime, widest timestamp bounds), or offsets and bytes would not survive; remove it"
                )
            } else {
                check.configName(config, at: path)
            }
        }
        for (index, config) in configSync.exclude.enumerated() {
            check.configName(config, at: "configSync.exclude[\(index)]")
        }
        check.interval(configSync.interval, at: "configSync.interval")

        check.rules(groups.include, at: "groups.include", topicNames: false)
        check.rules(groups.exclude, at: "groups.exclude", topicNames: false)
        check.interval(groups.syncInterval, at: "groups.syncInterval")

        if store.path.isEmpty {
            check.fail(
                "store.path", value: "", expected: "a file path",
                message: "the store path is empty; give a file path or remove the key for ./causeway-<link>.db")
        }

        check.size(fetch.maxBytes, at: "fetch.maxBytes", in: 1...Int(Int32.max))
        check.size(fetch.partitionMaxBytes, at: "fetch.partitionMaxBytes", in: 1...Int(Int32.max))
        check.size(fetch.minBytes, at: "fetch.minBytes", in: 0...Int(Int32.max))
        check.duration(fetch.maxWait, at: "fetch.maxWait", in: .zero...Duration.milliseconds(Int64(Int32.max)))

        let inFlight = 1...ProduceTuning.maximumInFlightPerPartition
        if !inFlight.contains(produce.maxInFlightPerPartition) {
            check.fail(
                "produce.maxInFlightPerPartition", value: String(produce.maxInFlightPerPartition),
                expected: "an integer from 1 to \(inFlight.upperBound)",
                message:
                    "\(produce.maxInFlightPerPartition) is not an integer from 1 to \(inFlight.upperBound) (1, the default, is the only value that is always safe)"
            )
        }
        // Kafka takes transaction.timeout.ms as an int and refuses anything below 1 ms.
        check.duration(produce.transactionTimeout, at: "produce.transactionTimeout", in: .milliseconds(1)...Duration.milliseconds(Int64(Int32.max)))
        if produce.bufferBytes < fetch.maxBytes {
            check.fail(
                "produce.bufferBytes", value: ByteSizeSyntax.format(produce.bufferBytes),
                expected: "at least fetch.maxBytes (\(ByteSizeSyntax.format(fetch.maxBytes)))",
                message:
                    "\(ByteSizeSyntax.format(produce.bufferBytes)) is smaller than fetch.maxBytes (\(ByteSizeSyntax.format(fetch.maxBytes))); one fetch response must fit in a destination's buffer"
            )
        }
        return check.problems
    }

    /// Two bootstrap lists name the same cluster if they list the same endpoints (host names
    /// compared case-insensitively). Different names for one cluster are not caught.
    static func bootstrapIdentity(_ endpoints: [ClusterConfiguration.Endpoint]) -> Set<String> {
        Set(endpoints.map { "\($0.host.lowercased()):\($0.port)" })
    }

    static func render(_ endpoints: [ClusterConfiguration.Endpoint]) -> String {
        endpoints.map(\.description).joined(separator: ",")
    }
}
