/// The store's schema, as the list of migrations that build it.
///
/// `PRAGMA user_version` holds how many migrations a file has had; opening a file
/// applies the missing ones in one transaction, so a store written by an older Causeway
/// opens and is brought up to date, and a crash during a migration leaves the old version.
/// Migrations are only ever appended: a released one never changes.
public enum StoreSchema {
    /// `PRAGMA application_id` of every Causeway store ("CWST"). A SQLite file without it
    /// belongs to someone else and is refused, never written.
    static let applicationID: Int32 = 0x4357_5354

    static let migrations: [String] = [
        // 1: links, the daemon's heartbeat and per-partition marks, the control plane
        //    (paused and failed-over topics) and failover receipts.
        """
        CREATE TABLE link (
            name TEXT PRIMARY KEY,
            direction TEXT NOT NULL DEFAULT 'forward',
            created_at INTEGER NOT NULL
        );
        CREATE TABLE daemon (
            link TEXT PRIMARY KEY,
            process_id INTEGER NOT NULL,
            host TEXT NOT NULL,
            beat_at INTEGER NOT NULL
        );
        CREATE TABLE partition_mark (
            destination TEXT NOT NULL,
            topic TEXT NOT NULL,
            partition INTEGER NOT NULL,
            source_high_watermark INTEGER NOT NULL,
            destination_log_end INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (destination, topic, partition)
        );
        CREATE TABLE topic_control (
            topic TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            requested_at INTEGER NOT NULL,
            acknowledged_at INTEGER
        );
        CREATE TABLE failover_receipt (
            destination TEXT NOT NULL,
            topic TEXT NOT NULL,
            partition INTEGER NOT NULL,
            source_high_watermark INTEGER NOT NULL,
            source_answered INTEGER NOT NULL,
            destination_log_end INTEGER NOT NULL,
            records_possibly_lost INTEGER NOT NULL,
            failed_over_at INTEGER NOT NULL,
            note TEXT NOT NULL,
            PRIMARY KEY (destination, topic, partition)
        );
        """,
        // 2: consumer-group offset snapshots (the offset sync's last committed positions).
        """
        CREATE TABLE group_offset (
            destination TEXT NOT NULL,
            group_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            partition INTEGER NOT NULL,
            committed_offset INTEGER NOT NULL,
            recorded_at INTEGER NOT NULL,
            PRIMARY KEY (destination, group_id, topic, partition)
        );
        """,
        // 3: transaction replay checkpoints (destination producers, the span being
        //    replayed), one JSON document per destination partition, written before
        //    the replay sends anything.
        """
        CREATE TABLE replay_checkpoint (
            destination TEXT NOT NULL,
            topic TEXT NOT NULL,
            partition INTEGER NOT NULL,
            checkpoint TEXT NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (destination, topic, partition)
        );
        """,
    ]

    /// The schema version this Causeway writes.
    public static var latestVersion: Int { migrations.count }
}
