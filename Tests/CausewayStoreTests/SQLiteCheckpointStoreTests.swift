import CSQLite
import CausewayStore
import Foundation
import XCTest

/// The SQLite store: round trips, reopening, migration from an old schema, refusal of
/// files that are not Causeway stores (left byte for byte as they were), and a second
/// connection reading while the first writes.
final class SQLiteCheckpointStoreTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("causeway-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private let now = Date(timeIntervalSince1970: 1_780_000_000.123)

    func testCreatesAndReopensWithEverythingKept() throws {
        let file = path("link.db")
        do {
            let store = try SQLiteCheckpointStore(path: file, link: "orders")
            XCTAssertEqual(try store.schemaVersion(), StoreSchema.latestVersion)
            XCTAssertEqual(try store.direction(), .forward)
            try store.setDirection(.reversed)
            try store.beat(DaemonHeartbeat(processID: 42, host: "h1", beatAt: now))
            try store.recordMarks([
                PartitionMark(destination: "dr", topic: "t", partition: 0, sourceHighWatermark: 100, destinationLogEnd: 90, updatedAt: now),
                PartitionMark(destination: "dr", topic: "t", partition: 1, sourceHighWatermark: 7, destinationLogEnd: 7, updatedAt: now),
            ])
            try store.setControl(topic: "t", state: .failedOver, at: now)
            try store.saveReceipts([
                FailoverReceipt(
                    destination: "dr", topic: "t", partition: 0, sourceHighWatermark: 100, sourceAnswered: false, destinationLogEnd: 90,
                    recordsPossiblyLost: 10, failedOverAt: now, note: "stopped")
            ])
            try store.recordGroupOffsets([GroupOffsetSnapshot(destination: "dr", group: "g", topic: "t", partition: 0, offset: 80, recordedAt: now)])
        }
        let store = try SQLiteCheckpointStore(path: file, link: "orders")
        XCTAssertEqual(try store.direction(), .reversed)
        // WAL mode is a property of the file: readers never wait for the daemon's commits.
        var mode = ""
        try withRawDatabase(file) { handle in
            var statement: OpaquePointer?
            defer { sqlite3_finalize(statement) }
            guard sqlite3_prepare_v2(handle, "PRAGMA journal_mode", -1, &statement, nil) == SQLITE_OK,
                sqlite3_step(statement) == SQLITE_ROW
            else { return SQLITE_ERROR }
            mode = String(cString: sqlite3_column_text(statement, 0))
            return SQLITE_OK
        }
        XCTAssertEqual(mode, "wal")
        XCTAssertEqual(try store.heartbeat(), DaemonHeartbeat(processID: 42, host: "h1", beatAt: now))
        XCTAssertEqual(try store.marks().map(\.sourceHighWatermark), [100, 7])
        XCTAssertEqual(try store.marks().first?.updatedAt, now)
        XCTAssertEqual(try store.controls(), [TopicControl(topic: "t", state: .failedOver, requestedAt: now)])
        XCTAssertEqual(try store.receipts().map(\.recordsPossiblyLost), [10])
        XCTAssertEqual(try store.groupOffsets().map(\.offset), [80])
        try store.clearHeartbeat(processID: 42)
        XCTAssertNil(try store.heartbeat())
    }

    func testControlAcknowledgementAndRepeatedRequests() throws {
        let store = try SQLiteCheckpointStore(path: path("control.db"), link: "l")
        try store.setControl(topic: "a", state: .paused, at: now)
        let requested = try store.controls()
        try store.acknowledge(requested, at: now.addingTimeInterval(1))
        XCTAssertEqual(try store.controls().first?.acknowledgedAt, now.addingTimeInterval(1))
        // The same state again keeps the acknowledgement (a second failover or pause is harmless).
        try store.setControl(topic: "a", state: .paused, at: now.addingTimeInterval(5))
        XCTAssertEqual(try store.controls().first?.acknowledgedAt, now.addingTimeInterval(1))
        // A new state needs a new acknowledgement; acknowledging the old request does not count.
        try store.setControl(topic: "a", state: .failedOver, at: now.addingTimeInterval(6))
        try store.acknowledge(requested, at: now.addingTimeInterval(7))
        XCTAssertNil(try store.controls().first?.acknowledgedAt)
        try store.setControl(topic: "a", state: nil, at: now)
        XCTAssertEqual(try store.controls(), [])
    }

    func testReceiptsAreWrittenOnce() throws {
        let store = try SQLiteCheckpointStore(path: path("receipts.db"), link: "l")
        func receipt(lost: Int64) -> FailoverReceipt {
            FailoverReceipt(
                destination: "dr", topic: "t", partition: 0, sourceHighWatermark: 10 + lost, sourceAnswered: true, destinationLogEnd: 10,
                recordsPossiblyLost: lost, failedOverAt: now, note: "")
        }
        try store.saveReceipts([receipt(lost: 3)])
        try store.saveReceipts([receipt(lost: 0)])
        XCTAssertEqual(try store.receipts().map(\.recordsPossiblyLost), [3])
        try store.removeReceipts(topics: ["t"])
        XCTAssertEqual(try store.receipts(), [])
    }

    func testMigratesAStoreFromSchemaVersionOne() throws {
        let file = path("old.db")
        do {
            let old = try SQLiteCheckpointStore(path: file, link: "l", migrations: 1)
            XCTAssertEqual(try old.schemaVersion(), 1)
            try old.recordMarks([PartitionMark(destination: "dr", topic: "t", partition: 3, sourceHighWatermark: 5, destinationLogEnd: 4, updatedAt: now)])
            // Version 1 has no group offsets yet.
            XCTAssertThrowsError(try old.groupOffsets())
        }
        let store = try SQLiteCheckpointStore(path: file, link: "l")
        XCTAssertEqual(try store.schemaVersion(), StoreSchema.latestVersion)
        XCTAssertEqual(try store.marks().map(\.partition), [3])
        try store.recordGroupOffsets([GroupOffsetSnapshot(destination: "dr", group: "g", topic: "t", partition: 3, offset: 4, recordedAt: now)])
        XCTAssertEqual(try store.groupOffsets().count, 1)
        // Version 3: transaction replay checkpoints.
        try store.saveReplayCheckpoint("{}", destination: "dr", topic: "t", partition: 3)
        XCTAssertEqual(try store.replayCheckpoint(destination: "dr", topic: "t", partition: 3), "{}")
    }

    func testRefusesAStoreFromANewerCausewayUntouched() throws {
        let file = path("newer.db")
        do { _ = try SQLiteCheckpointStore(path: file, link: "l") }
        try withRawDatabase(file) { sqlite3_exec($0, "PRAGMA user_version=99", nil, nil, nil) }
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        assertRefused(file, .newerSchema)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), before)
    }

    func testRefusesAFileThatIsNotSQLiteAndLeavesItByteIdentical() throws {
        let file = path("notes.db")
        let bytes = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        try bytes.write(to: URL(fileURLWithPath: file))
        assertRefused(file, .notADatabase)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), bytes)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file + "-wal"))
    }

    func testRefusesAnotherProgramsSQLiteFileAndLeavesItByteIdentical() throws {
        let file = path("foreign.db")
        try withRawDatabase(file) { sqlite3_exec($0, "CREATE TABLE customers (id INTEGER); INSERT INTO customers VALUES (1)", nil, nil, nil) }
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        assertRefused(file, .foreignDatabase)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), before)
    }

    func testRefusesACorruptStoreAndLeavesItByteIdentical() throws {
        let file = path("corrupt.db")
        do {
            let store = try SQLiteCheckpointStore(path: file, link: "l")
            try store.recordMarks((0..<200).map {
                PartitionMark(destination: "dr", topic: "topic-\($0)", partition: 0, sourceHighWatermark: 1, destinationLogEnd: 1, updatedAt: now)
            })
        }
        // Fold the WAL into the file, then damage every page after the first.
        try withRawDatabase(file) { sqlite3_exec($0, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE", nil, nil, nil) }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        XCTAssertGreaterThan(bytes.count, 8192)
        for index in 4096..<bytes.count { bytes[index] = UInt8(truncatingIfNeeded: index * 31) }
        try bytes.write(to: URL(fileURLWithPath: file))
        assertRefused(file, .corrupt)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), bytes)
    }

    func testASecondConnectionReadsWhileTheFirstWrites() async throws {
        let file = path("shared.db")
        let writer = try SQLiteCheckpointStore(path: file, link: "l")
        let reader = try SQLiteCheckpointStore(path: file, link: "l")
        let rounds = 200
        async let written: Void = {
            for round in 1...rounds {
                try writer.recordMarks([
                    PartitionMark(destination: "dr", topic: "t", partition: 0, sourceHighWatermark: Int64(round), destinationLogEnd: Int64(round), updatedAt: Date())
                ])
            }
        }()
        var seen: [Int64] = []
        for _ in 0..<rounds {
            if let mark = try reader.marks().first { seen.append(mark.sourceHighWatermark) }
        }
        try await written
        // Every read saw a committed value, and values never go back.
        XCTAssertEqual(seen, seen.sorted())
        XCTAssertEqual(try reader.marks().first?.sourceHighWatermark, Int64(rounds))
    }

    private func assertRefused(_ file: String, _ code: StoreError.Code, line: UInt = #line) {
        XCTAssertThrowsError(try SQLiteCheckpointStore(path: file, link: "l"), line: line) { error in
            guard let error = error as? StoreError else { return XCTFail("not a StoreError: \(error)", line: line) }
            XCTAssertEqual(error.code, code, "\(error)", line: line)
            XCTAssertTrue(error.description.contains(file), line: line)
        }
    }

    private func withRawDatabase(_ file: String, _ body: (OpaquePointer?) -> Int32) throws {
        var handle: OpaquePointer?
        XCTAssertEqual(sqlite3_open(file, &handle), SQLITE_OK)
        defer { sqlite3_close(handle) }
        XCTAssertEqual(body(handle), SQLITE_OK)
    }
}
