import KafkaProtocol
import NIOCore
@testable import KafkaBroker

/// A compacted log in a temporary directory, a model of what was written, and readers
/// that see the log as a consumer does.
final class CompactedLogFixture {
    static let start: Int64 = 1_800_000_000_000

    /// One record as written: where it went and what it held.
    struct Written: Hashable {
        var offset: Int64
        var key: String?
        var value: String?
        var timestamp: Int64
    }

    let directory: TemporaryDirectory
    let clock = ManualClock(CompactedLogFixture.start)
    var config: LogConfig
    var log: PartitionLog
    /// Every record appended, in offset order.
    private(set) var written: [Written] = []
    /// Every batch appended, as stored (baseOffset assigned).
    private(set) var batches: [RecordBatch] = []

    init(segmentBytes: Int = 1_000, indexIntervalBytes: Int = 100) throws {
        directory = try TemporaryDirectory()
        config = LogTesting.config(segmentBytes: segmentBytes, indexIntervalBytes: indexIntervalBytes)
        config.cleanupPolicy = .compact
        log = try LogTesting.open(PosixLogFileSystem(), directory: directory.path, config: config, clock: clock)
    }

    deinit {
        log.closeWithoutFlushing()
        directory.remove()
    }

    func reopen() throws {
        log = try LogTesting.open(PosixLogFileSystem(), directory: directory.path, config: config, clock: clock)
    }

    /// Appends one batch of `records` (key, value; nil value = tombstone); returns its base offset.
    @discardableResult
    func append(
        _ records: [(String?, String?)], codec: CompressionCodec = .none, producerId: Int64 = -1,
        producerEpoch: Int16 = -1, baseSequence: Int32 = -1, isTransactional: Bool = false
    ) throws -> Int64 {
        let now = clock.nowMilliseconds
        var builder = RecordBatchBuilder(
            baseTimestamp: now, codec: codec, producerId: producerId, producerEpoch: producerEpoch,
            baseSequence: baseSequence, isTransactional: isTransactional)
        for (index, (key, value)) in records.enumerated() {
            builder.append(key: key.map { ByteBuffer(string: $0) }, value: value.map { ByteBuffer(string: $0) },
                           timestampDelta: Int64(index))
        }
        return try appendBatch(try builder.build(), records: records, timestamp: now)
    }

    /// Appends a transaction marker of `producerId`.
    @discardableResult
    func appendMarker(_ type: ControlRecord.ControlType, producerId: Int64, producerEpoch: Int16 = 0) throws -> Int64 {
        let batch = try RecordBatchBuilder.controlBatch(
            ControlRecord(type: type), producerId: producerId, producerEpoch: producerEpoch,
            timestamp: clock.nowMilliseconds)
        return try appendBatch(batch, records: nil, timestamp: clock.nowMilliseconds)
    }

    private func appendBatch(_ batch: RecordBatch, records: [(String?, String?)]?, timestamp: Int64) throws -> Int64 {
        let info = try log.append(batch.bytes, partitionLeaderEpoch: 4)
        for (index, (key, value)) in (records ?? []).enumerated() {
            written.append(Written(offset: info.firstOffset + Int64(index), key: key, value: value,
                                   timestamp: timestamp + Int64(index)))
        }
        batches.append(try RecordBatch(validating: TestBatch.stored(batch.bytes, baseOffset: info.firstOffset, epoch: 4)))
        return info.firstOffset
    }

    /// Starts a new active segment, so everything so far becomes cleanable.
    func roll() throws {
        try log.roll(now: clock.nowMilliseconds)
    }

    /// Runs a pass; `force` as the test hook does.
    @discardableResult
    func clean(
        _ cleanerConfig: CleanerConfig = CleanerConfig(), force: Bool = true,
        producers: [Int64: ProducerLastRecord] = [:], interruption: ((LogCleaner.Stage) throws -> Void)? = nil
    ) throws -> CleaningOutcome {
        var cleaner = LogCleaner(config: cleanerConfig, nowMilliseconds: clock.nowMilliseconds,
                                 lastRecordsOfActiveProducers: producers)
        cleaner.interruption = interruption
        return try cleaner.clean(log, force: force)
    }

    // MARK: Reading back

    /// Every batch from the log start offset to the log end, as Fetch returns them.
    func readBatches() throws -> [RecordBatch] {
        var result: [RecordBatch] = []
        var offset = log.logStartOffset
        while offset < log.logEndOffset {
            let read = try log.read(from: offset, maxBytes: 1 << 20, minOneBatch: true)
            let (found, truncated) = try RecordBatchSequence(read.records).split()
            guard truncated == 0, let last = found.last else { break }
            for batch in found {
                try batch.verifyCRC()
                result.append(batch)
            }
            offset = last.nextOffset
        }
        return result
    }

    /// Every data record of the log (a consumer skips control batches).
    func readRecords() throws -> [Written] {
        try readBatches().filter { !$0.isControl }.flatMap { batch in
            try batch.records(maxDecompressedSize: 1 << 24).map { record in
                Written(offset: record.offset(in: batch), key: record.key.map { String(buffer: $0) },
                        value: record.value.map { String(buffer: $0) }, timestamp: record.timestamp(in: batch))
            }
        }
    }

    /// What a consumer building a table from the whole partition ends up with.
    func table() throws -> [String: String] {
        var table: [String: String] = [:]
        for record in try readRecords() { if let key = record.key { table[key] = record.value } }
        return table
    }

    /// The table the written records imply: the latest value of each key, tombstoned keys absent.
    var expectedTable: [String: String] {
        var table: [String: String] = [:]
        for record in written { if let key = record.key { table[key] = record.value } }
        return table
    }

    /// Offset of the latest record of each key.
    var latestOffsets: [String: Int64] {
        var latest: [String: Int64] = [:]
        for record in written { if let key = record.key { latest[key] = record.offset } }
        return latest
    }
}
