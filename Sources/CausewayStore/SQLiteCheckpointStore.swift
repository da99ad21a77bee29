import Foundation
import Synchronization

/// The default checkpoint store: one SQLite file per link, in WAL mode with
/// `synchronous=FULL`, so every commit is on disk when it returns and the CLI can read
/// while the daemon writes.
///
/// Opening never writes to a file that is not already a Causeway store: the first
/// 100 bytes (SQLite's header) are read with plain file I/O and checked for SQLite's
/// magic and Causeway's application id before SQLite opens it, and a store that fails
/// `PRAGMA quick_check` is refused before any migration or journal-mode change.
public final class SQLiteCheckpointStore: CheckpointStore {
    public let link: String
    public let path: String
    private let connection: Mutex<SQLiteConnection>

    /// Opens the store at `path`, creating it if the file is missing or empty.
    /// - Parameter migrations: how many migrations to apply (tests build old stores with it).
    public init(path: String, link: String, migrations: Int = StoreSchema.latestVersion) throws {
        self.link = link
        self.path = path
        let isNew = try Self.checkHeader(path: path)
        let connection = try SQLiteConnection(path: path, create: isNew)
        if !isNew {
            let check = try connection.query("PRAGMA quick_check").first?.first?.text ?? "no answer"
            guard check == "ok" else { throw StoreError(.corrupt, path: path, message: "integrity check failed: \(check)") }
        }
        try Self.migrate(connection, upTo: migrations, link: link)
        _ = try connection.query("PRAGMA journal_mode=WAL")
        try connection.execute("PRAGMA synchronous=FULL")
        self.connection = Mutex(connection)
    }

    /// Returns true when the file is missing or empty (a new store); throws when it is not
    /// a Causeway store.
    static func checkHeader(path: String) throws -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            if FileManager.default.fileExists(atPath: path) {
                throw StoreError(.cannotOpen, path: path, message: "the file exists but cannot be read")
            }
            return true
        }
        defer { try? handle.close() }
        let header = (try? handle.read(upToCount: 100)) ?? Data()
        if header.isEmpty { return true }
        let magic = Data("SQLite format 3\0".utf8)
        guard header.count == 100, header.prefix(16) == magic else {
            throw StoreError(.notADatabase, path: path, message: "not a SQLite database")
        }
        let id = header[68..<72].reduce(Int32(0)) { $0 << 8 | Int32($1) }
        guard id == StoreSchema.applicationID else {
            throw StoreError(
                .foreignDatabase, path: path,
                message: "a SQLite database of another program (application id \(String(format: "0x%08x", id)), not Causeway's)")
        }
        return false
    }

    private static func migrate(_ connection: SQLiteConnection, upTo target: Int, link: String) throws {
        let version = Int(try connection.integer("PRAGMA user_version"))
        guard version <= StoreSchema.latestVersion else {
            throw StoreError(
                .newerSchema, path: connection.path,
                message: "schema version \(version), newer than this Causeway's \(StoreSchema.latestVersion)")
        }
        guard version < target else { return }
        try connection.transaction {
            if version == 0 { try connection.execute("PRAGMA application_id=\(StoreSchema.applicationID)") }
            for migration in StoreSchema.migrations[version..<target] {
                try connection.execute(migration)
            }
            try connection.query(
                "INSERT OR IGNORE INTO link (name, direction, created_at) VALUES (?, 'forward', ?)",
                [.text(link), .integer(Date().storeMilliseconds)])
            try connection.execute("PRAGMA user_version=\(target)")
        }
    }

    /// The schema version of the open file.
    public func schemaVersion() throws -> Int {
        try connection.withLock { Int(try $0.integer("PRAGMA user_version")) }
    }

    @discardableResult
    private func run<Result>(_ body: (SQLiteConnection) throws -> Result) throws -> Result {
        try connection.withLock { try body($0) }
    }

    // MARK: Link

    public func direction() throws -> LinkDirection {
        try run { connection in
            let text = try connection.query("SELECT direction FROM link WHERE name = ?", [.text(link)]).first?.first?.text
            guard let direction = LinkDirection(rawValue: text ?? "forward") else {
                throw StoreError(.invalidValue, path: path, message: "unknown link direction \(text ?? "")")
            }
            return direction
        }
    }

    public func setDirection(_ direction: LinkDirection) throws {
        try run { connection in
            try connection.query(
                "INSERT INTO link (name, direction, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET direction = excluded.direction",
                [.text(link), .text(direction.rawValue), .integer(Date().storeMilliseconds)])
        }
    }

    // MARK: Daemon

    public func beat(_ heartbeat: DaemonHeartbeat) throws {
        try run { connection in
            try connection.query(
                "INSERT OR REPLACE INTO daemon (link, process_id, host, beat_at) VALUES (?, ?, ?, ?)",
                [.text(link), .integer(Int64(heartbeat.processID)), .text(heartbeat.host), .integer(heartbeat.beatAt.storeMilliseconds)])
        }
    }

    public func heartbeat() throws -> DaemonHeartbeat? {
        try run { connection in
            guard let row = try connection.query("SELECT process_id, host, beat_at FROM daemon WHERE link = ?", [.text(link)]).first
            else { return nil }
            return DaemonHeartbeat(
                processID: Int32(row[0].integer ?? 0), host: row[1].text ?? "", beatAt: Date(storeMilliseconds: row[2].integer ?? 0))
        }
    }

    public func clearHeartbeat(processID: Int32) throws {
        try run { connection in
            try connection.query("DELETE FROM daemon WHERE link = ? AND process_id = ?", [.text(link), .integer(Int64(processID))])
        }
    }

    // MARK: Marks

    public func recordMarks(_ marks: [PartitionMark]) throws {
        guard !marks.isEmpty else { return }
        try run { connection in
            try connection.transaction {
                for mark in marks {
                    try connection.query(
                        """
                        INSERT OR REPLACE INTO partition_mark
                            (destination, topic, partition, source_high_watermark, destination_log_end, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                        [
                            .text(mark.destination), .text(mark.topic), .integer(Int64(mark.partition)), .integer(mark.sourceHighWatermark),
                            .integer(mark.destinationLogEnd), .integer(mark.updatedAt.storeMilliseconds),
                        ])
                }
            }
        }
    }

    public func marks() throws -> [PartitionMark] {
        try run { connection in
            try connection.query(
                """
                SELECT destination, topic, partition, source_high_watermark, destination_log_end, updated_at
                FROM partition_mark ORDER BY destination, topic, partition
                """
            ).map { row in
                PartitionMark(
                    destination: row[0].text ?? "", topic: row[1].text ?? "", partition: Int32(row[2].integer ?? 0),
                    sourceHighWatermark: row[3].integer ?? 0, destinationLogEnd: row[4].integer ?? 0,
                    updatedAt: Date(storeMilliseconds: row[5].integer ?? 0))
            }
        }
    }

    // MARK: Control

    public func setControl(topic: String, state: TopicControl.State?, at time: Date) throws {
        try run { connection in
            guard let state else {
                try connection.query("DELETE FROM topic_control WHERE topic = ?", [.text(topic)])
                return
            }
            // Setting the state a topic already has keeps its acknowledgement: running
            // `causeway failover` twice must not make the daemon acknowledge again.
            try connection.query(
                """
                INSERT INTO topic_control (topic, state, requested_at) VALUES (?, ?, ?)
                ON CONFLICT (topic) DO UPDATE SET state = excluded.state, requested_at = excluded.requested_at,
                    acknowledged_at = NULL
                WHERE topic_control.state != excluded.state
                """,
                [.text(topic), .text(state.rawValue), .integer(time.storeMilliseconds)])
        }
    }

    public func controls() throws -> [TopicControl] {
        try run { connection in
            try connection.query("SELECT topic, state, requested_at, acknowledged_at FROM topic_control ORDER BY topic").map { row in
                guard let state = TopicControl.State(rawValue: row[1].text ?? "") else {
                    throw StoreError(.invalidValue, path: path, message: "unknown topic state \(row[1].text ?? "") for \(row[0].text ?? "")")
                }
                return TopicControl(
                    topic: row[0].text ?? "", state: state, requestedAt: Date(storeMilliseconds: row[2].integer ?? 0),
                    acknowledgedAt: row[3].integer.map(Date.init(storeMilliseconds:)))
            }
        }
    }

    public func acknowledge(_ controls: [TopicControl], at time: Date) throws {
        guard !controls.isEmpty else { return }
        try run { connection in
            try connection.transaction {
                for control in controls {
                    // Only the request that was seen: a newer one waits for its own acknowledgement.
                    try connection.query(
                        "UPDATE topic_control SET acknowledged_at = ? WHERE topic = ? AND state = ? AND requested_at = ?",
                        [.integer(time.storeMilliseconds), .text(control.topic), .text(control.state.rawValue), .integer(control.requestedAt.storeMilliseconds)])
                }
            }
        }
    }

    // MARK: Receipts

    public func saveReceipts(_ receipts: [FailoverReceipt]) throws {
        try run { connection in
            try connection.transaction {
                for receipt in receipts {
                    try connection.query(
                        """
                        INSERT OR IGNORE INTO failover_receipt
                            (destination, topic, partition, source_high_watermark, source_answered, destination_log_end,
                             records_possibly_lost, failed_over_at, note)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                        [
                            .text(receipt.destination), .text(receipt.topic), .integer(Int64(receipt.partition)),
                            .integer(receipt.sourceHighWatermark), .integer(receipt.sourceAnswered ? 1 : 0), .integer(receipt.destinationLogEnd),
                            .integer(receipt.recordsPossiblyLost), .integer(receipt.failedOverAt.storeMilliseconds), .text(receipt.note),
                        ])
                }
            }
        }
    }

    public func receipts() throws -> [FailoverReceipt] {
        try run { connection in
            try connection.query(
                """
                SELECT destination, topic, partition, source_high_watermark, source_answered, destination_log_end,
                    records_possibly_lost, failed_over_at, note
                FROM failover_receipt ORDER BY destination, topic, partition
                """
            ).map { row in
                FailoverReceipt(
                    destination: row[0].text ?? "", topic: row[1].text ?? "", partition: Int32(row[2].integer ?? 0),
                    sourceHighWatermark: row[3].integer ?? 0, sourceAnswered: row[4].integer == 1, destinationLogEnd: row[5].integer ?? 0,
                    recordsPossiblyLost: row[6].integer ?? 0, failedOverAt: Date(storeMilliseconds: row[7].integer ?? 0),
                    note: row[8].text ?? "")
            }
        }
    }

    public func removeReceipts(topics: [String]) throws {
        try run { connection in
            try connection.transaction {
                for topic in topics { try connection.query("DELETE FROM failover_receipt WHERE topic = ?", [.text(topic)]) }
            }
        }
    }

    // MARK: Group offsets

    public func recordGroupOffsets(_ offsets: [GroupOffsetSnapshot]) throws {
        guard !offsets.isEmpty else { return }
        try run { connection in
            try connection.transaction {
                for offset in offsets {
                    try connection.query(
                        """
                        INSERT OR REPLACE INTO group_offset (destination, group_id, topic, partition, committed_offset, recorded_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                        [
                            .text(offset.destination), .text(offset.group), .text(offset.topic), .integer(Int64(offset.partition)),
                            .integer(offset.offset), .integer(offset.recordedAt.storeMilliseconds),
                        ])
                }
            }
        }
    }

    public func groupOffsets() throws -> [GroupOffsetSnapshot] {
        try run { connection in
            try connection.query(
                "SELECT destination, group_id, topic, partition, committed_offset, recorded_at FROM group_offset ORDER BY 1, 2, 3, 4"
            ).map { row in
                GroupOffsetSnapshot(
                    destination: row[0].text ?? "", group: row[1].text ?? "", topic: row[2].text ?? "", partition: Int32(row[3].integer ?? 0),
                    offset: row[4].integer ?? 0, recordedAt: Date(storeMilliseconds: row[5].integer ?? 0))
            }
        }
    }

    // MARK: Transaction replay

    public func replayCheckpoint(destination: String, topic: String, partition: Int32) throws -> String? {
        try run { connection in
            try connection.query(
                "SELECT checkpoint FROM replay_checkpoint WHERE destination = ? AND topic = ? AND partition = ?",
                [.text(destination), .text(topic), .integer(Int64(partition))]
            ).first?.first?.text
        }
    }

    public func saveReplayCheckpoint(_ document: String, destination: String, topic: String, partition: Int32) throws {
        try run { connection in
            try connection.query(
                "INSERT OR REPLACE INTO replay_checkpoint (destination, topic, partition, checkpoint, updated_at) VALUES (?, ?, ?, ?, ?)",
                [.text(destination), .text(topic), .integer(Int64(partition)), .text(document), .integer(Date().storeMilliseconds)])
        }
    }
}

extension Date {
    /// Times are stored as integer milliseconds since 1970 (exact, sortable).
    var storeMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }

    init(storeMilliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(storeMilliseconds) / 1000)
    }
}
