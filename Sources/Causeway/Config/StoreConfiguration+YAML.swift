import Yams

extension StoreConfiguration {
    static let keys = ["path"]

    static func read(_ node: Node?, at path: String, link: String, reader: inout ConfigurationReader) -> Self {
        var store = StoreConfiguration(path: defaultPath(link: link))
        guard let node, let mapping = reader.mapping(node, at: path, keys: keys) else { return store }
        if let value = mapping["path"], let text = reader.text(value, at: mapping.path("path"), expected: "a file path")
        {
            store.path = text
        }
        return store
    }
}
