import Yams

extension ConfigSyncPolicy {
    static let keys = ["include", "exclude", "interval"]

    static func read(_ node: Node?, at path: String, reader: inout ConfigurationReader) -> Self {
        var policy = ConfigSyncPolicy()
        guard let node, let mapping = reader.mapping(node, at: path, keys: keys) else { return policy }
        if let include = mapping["include"] {
            policy.include = reader.texts(include, at: mapping.path("include"), expected: "topic config names") ?? []
        }
        if let exclude = mapping["exclude"] {
            policy.exclude = reader.texts(exclude, at: mapping.path("exclude"), expected: "topic config names") ?? []
        }
        if let interval = mapping["interval"], let duration = reader.duration(interval, at: mapping.path("interval")) {
            policy.interval = duration
        }
        return policy
    }
}
