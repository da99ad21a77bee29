import Yams

extension TopicSelection {
    static let keys = ["include", "exclude", "discoveryInterval"]

    static func read(_ node: Node?, at path: String, reader: inout ConfigurationReader) -> Self {
        var selection = TopicSelection(include: [])
        guard let node, let mapping = reader.mapping(node, at: path, keys: keys) else { return selection }
        if let include = mapping["include"] {
            selection.include = SelectionRule.readList(include, at: mapping.path("include"), reader: &reader)
        }
        if let exclude = mapping["exclude"] {
            selection.exclude = SelectionRule.readList(exclude, at: mapping.path("exclude"), reader: &reader)
        }
        if let interval = mapping["discoveryInterval"],
            let duration = reader.duration(interval, at: mapping.path("discoveryInterval"))
        {
            selection.discoveryInterval = duration
        }
        return selection
    }
}
