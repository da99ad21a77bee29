import Yams

extension ProduceTuning {
    static let keys = ["maxInFlightPerPartition", "bufferBytes", "transactionTimeout"]

    static func read(_ node: Node?, at path: String, reader: inout ConfigurationReader) -> Self {
        var produce = ProduceTuning()
        guard let node, let mapping = reader.mapping(node, at: path, keys: keys) else { return produce }
        if let value = mapping["maxInFlightPerPartition"],
            let count = reader.integer(
                value, at: mapping.path("maxInFlightPerPartition"),
                expected: "an integer from 1 to \(maximumInFlightPerPartition)")
        {
            produce.maxInFlightPerPartition = count
        }
        if let value = mapping["bufferBytes"], let bytes = reader.byteSize(value, at: mapping.path("bufferBytes")) {
            produce.bufferBytes = bytes
        }
        if let value = mapping["transactionTimeout"],
            let duration = reader.duration(value, at: mapping.path("transactionTimeout"))
        {
            produce.transactionTimeout = duration
        }
        return produce
    }
}
