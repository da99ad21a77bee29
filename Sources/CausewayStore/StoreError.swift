/// Why the checkpoint store cannot be used, with the file it is about.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// The file cannot be opened or created (permissions, missing directory).
        case cannotOpen
        /// The file is not a SQLite database at all.
        case notADatabase
        /// A SQLite database, but not a Causeway store (another program's file).
        case foreignDatabase
        /// A Causeway store written by a newer Causeway, with a schema this one does not know.
        case newerSchema
        /// SQLite reports the file damaged.
        case corrupt
        /// Any other SQLite failure.
        case sqlite
        /// A value in the store that this version cannot interpret.
        case invalidValue
    }

    public var code: Code
    public var path: String
    public var message: String

    public init(_ code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String {
        let advice: String =
            switch code {
            case .notADatabase, .foreignDatabase:
                " The file was left untouched; point store.path at another file or move this one away."
            case .corrupt:
                " The file was left untouched; restore it from a backup or move it away (a new store starts empty: the destinations' log ends still hold the mirror checkpoints)."
            case .newerSchema: " Use the Causeway version that wrote it, or a newer one."
            case .cannotOpen, .sqlite, .invalidValue: ""
            }
        return "checkpoint store \(path): \(message).\(advice)"
    }
}
