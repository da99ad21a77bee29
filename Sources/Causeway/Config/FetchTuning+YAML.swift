import Yams

extension FetchTuning {
    static let keys = ["maxBytes", "partitionMaxBytes", "maxWait", "minBytes"]

    static func read(_ node: Node?, at path: String, reader: inout ConfigurationReader) -> Self {
        var fetch = FetchTuning()
        guard let node, let mapping = reader.mapping(node, at: path, keys: keys) else { return fetch }
        if let value = mapping["maxBytes"], let bytes = reader.byteSize(value, at: mapping.path("maxBytes")) {
            fetch.maxBytes = bytes
        }
        if let value = mapping["partitionMaxBytes"],
            let bytes = reader.byteSize(value, at: mapping.path("partitionMaxBytes"))
        {
            fetch.partitionMaxBytes = bytes
        }
        if let value = mapping["maxWait"], let wait = reader.duration(value, at: mapping.path("maxWait")) {
            fetch.maxWait = wait
        }
        if let value = mapping["minBytes"], let bytes = reader.byteSize(value, at: mapping.path("minBytes")) {
            fetch.minBytes = bytes
        }
        return fetch
    }
}
