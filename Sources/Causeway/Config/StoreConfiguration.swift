/// Where a link keeps what the destinations themselves cannot tell: open replay transactions
/// (producer id, epoch, sequence), partition states (DIVERGED, FAILED) and failover receipts.
///
/// A section rather than a single path so that the compacted-topic store of DESIGN.md
/// (several daemons sharing a link) slots in beside `path` as another choice.
public struct StoreConfiguration: Hashable, Sendable {
    /// The SQLite file. Default `./causeway-<link name>.db`; a relative path is resolved
    /// against the daemon's working directory. One link per file: two links must not share one.
    public var path: String

    public init(path: String) {
        self.path = path
    }

    /// The default store of link `link`.
    public static func defaultPath(link: String) -> String { "./causeway-\(link).db" }
}
