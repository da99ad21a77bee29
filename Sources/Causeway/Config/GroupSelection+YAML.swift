import Yams

extension GroupSelection {
    static let keys = ["include", "exclude", "syncInterval"]

    static func read(_ node: Node?, at path: String, reader: inout ConfigurationReader) -> Self {
        var selection = GroupSelection()
        guard let node, let mapping = reader.mapping(node, at: path, keys: keys) else { return selection }
        if let include = mapping["include"] {
            selection.include = SelectionRule.readList(include, at: mapping.path("include"), reader: &reader)
        }
        if let exclude = mapping["exclude"] {
            selection.exclude = SelectionRule.readList(exclude, at: mapping.path("exclude"), reader: &reader)
        }
        if let interval = mapping["syncInterval"],
            let duration = reader.duration(interval, at: mapping.path("syncInterval"))
        {
            selection.syncInterval = duration
        }
        return selection
    }
}
