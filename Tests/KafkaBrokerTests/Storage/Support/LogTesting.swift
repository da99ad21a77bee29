import NIOCore
@testable import KafkaBroker

/// Shortcuts for opening logs in tests.
enum LogTesting {
    static let partition = TopicPartition(topic: "orders", partition: 0)
    static let directory = "/data/orders-0"

    static func config(
        segmentBytes: Int = 1 << 30, indexIntervalBytes: Int = 4096, flushPolicy: FlushPolicy = .never,
        retentionTime: Duration? = nil, retentionBytes: Int64? = nil
    ) -> LogConfig {
        var config = LogConfig()
        config.segmentBytes = segmentBytes
        config.indexIntervalBytes = indexIntervalBytes
        config.flushPolicy = flushPolicy
        config.retentionTime = retentionTime
        config.retentionBytes = retentionBytes
        return config
    }

    static func open(
        _ fileSystem: any LogFileSystem, directory: String = directory, config: LogConfig = config(),
        clock: any LogClock = ManualClock()
    ) throws -> PartitionLog {
        try PartitionLog.open(directory: directory, topicPartition: partition, config: config,
                              fileSystem: fileSystem, clock: clock)
    }

    /// Every batch of the log, read one at a time from the log start offset: (base offset, bytes).
    static func readAll(_ log: PartitionLog) throws -> [(baseOffset: Int64, bytes: ByteBuffer)] {
        var result: [(Int64, ByteBuffer)] = []
        var offset = log.logStartOffset
        while offset < log.logEndOffset {
            let read = try log.read(from: offset, maxBytes: 1, minOneBatch: true)
            guard let (base, size) = TestBatch.batches(in: read.records).first else { break }
            result.append((base, read.records.getSlice(at: read.records.readerIndex, length: size)!))
            let lastOffsetDelta = read.records.getInteger(at: read.records.readerIndex + 23, endianness: .big, as: Int32.self)!
            offset = base + Int64(lastOffsetDelta) + 1
        }
        return result
    }
}
