import CSQLite
import Foundation

/// A value bound to or read from a SQLite statement.
enum SQLiteValue: Sendable, Equatable {
    case integer(Int64)
    case text(String)
    case null

    var integer: Int64? { if case .integer(let value) = self { value } else { nil } }
    var text: String? { if case .text(let value) = self { value } else { nil } }
}

/// One SQLite connection: the few calls the store needs, each turning a SQLite error into
/// a `StoreError` that names the file and the statement.
///
/// `@unchecked Sendable`: the connection is opened with SQLITE_OPEN_FULLMUTEX (SQLite
/// serialises calls on it), and `SQLiteCheckpointStore` holds a mutex around every use so
/// that a transaction's statements are never interleaved with another thread's.
/// Several processes (the daemon and the CLI) may open the same file; WAL mode lets
/// readers go on while one writer commits, and the busy timeout makes a second writer
/// wait instead of failing.
final class SQLiteConnection: @unchecked Sendable {
    let path: String
    private var handle: OpaquePointer?

    /// `SQLITE_TRANSIENT`: SQLite copies bound text before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(path: String, create: Bool) throws {
        self.path = path
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX
        if create { flags |= SQLITE_OPEN_CREATE }
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "error \(status)"
            sqlite3_close(handle)
            handle = nil
            throw StoreError(.cannotOpen, path: path, message: message)
        }
        sqlite3_busy_timeout(handle, 10_000)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs statements that return nothing (several, separated by semicolons).
    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        if status != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "error \(status)"
            sqlite3_free(message)
            throw error(status, text, sql)
        }
    }

    /// Runs one statement with bound parameters and returns its rows.
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        var statement: OpaquePointer?
        var status = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard status == SQLITE_OK else { throw error(status, String(cString: sqlite3_errmsg(handle)), sql) }
        defer { sqlite3_finalize(statement) }
        for (index, parameter) in parameters.enumerated() {
            let position = Int32(index + 1)
            switch parameter {
            case .integer(let value): sqlite3_bind_int64(statement, position, value)
            case .text(let value): sqlite3_bind_text(statement, position, value, -1, Self.transient)
            case .null: sqlite3_bind_null(statement, position)
            }
        }
        var rows: [[SQLiteValue]] = []
        while true {
            status = sqlite3_step(statement)
            if status == SQLITE_DONE { return rows }
            guard status == SQLITE_ROW else { throw error(status, String(cString: sqlite3_errmsg(handle)), sql) }
            rows.append((0..<sqlite3_column_count(statement)).map { column in
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: .integer(sqlite3_column_int64(statement, column))
                case SQLITE_NULL: .null
                default: .text(String(cString: sqlite3_column_text(statement, column)))
                }
            })
        }
    }

    /// Runs `body` in one transaction (BEGIN IMMEDIATE, so the write lock is taken at the
    /// start and two processes never deadlock upgrading a read lock).
    func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    func integer(_ sql: String) throws -> Int64 {
        try query(sql).first?.first?.integer ?? 0
    }

    private func error(_ status: Int32, _ message: String, _ sql: String) -> StoreError {
        let primary = status & 0xff
        let code: StoreError.Code = primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT ? .corrupt : .sqlite
        let statement = sql.split(separator: "\n").first.map(String.init) ?? sql
        return StoreError(code, path: path, message: "\(message) (in: \(statement))")
    }
}
