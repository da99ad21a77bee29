import Yams

extension DestinationConfiguration {
    static let keys = ["name"] + ClusterConfiguration.keys

    /// Reads `destinations:`; a bad entry becomes a placeholder so later entries keep their index.
    static func readList(_ node: Node, at path: String, link: String, reader: inout ConfigurationReader) -> [Self] {
        guard
            let entries = reader.sequence(
                node, at: path, expected: "a list of destinations, each with name and bootstrap")
        else { return [] }
        return entries.enumerated().map { index, entry in
            read(entry, at: ConfigurationReader.path(path, index: index), link: link, reader: &reader)
        }
    }

    static func read(_ node: Node, at path: String, link: String, reader: inout ConfigurationReader) -> Self {
        var destination = DestinationConfiguration(
            name: "",
            cluster: ClusterConfiguration(bootstrap: [], clientID: ClusterConfiguration.defaultClientID(link: link)))
        guard let mapping = reader.mapping(node, at: path, keys: keys) else { return destination }
        if let name = reader.required("name", in: mapping, expected: ConfigurationChecks.nameExpected) {
            destination.name =
                reader.text(name, at: mapping.path("name"), expected: ConfigurationChecks.nameExpected) ?? ""
        }
        destination.cluster = ClusterConfiguration.read(mapping, link: link, reader: &reader)
        return destination
    }
}
