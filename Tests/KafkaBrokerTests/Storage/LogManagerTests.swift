import NIOCore
import Testing
@testable import KafkaBroker

@Suite struct LogManagerTests {
    let orders0 = TopicPartition(topic: "orders", partition: 0)
    let orders1 = TopicPartition(topic: "orders", partition: 1)
    let audit0 = TopicPartition(topic: "audit-log", partition: 0)

    @Test func logsSurviveARestart() throws {
        let fileSystem = InMemoryFileSystem()
        let clock = ManualClock()
        var manager = try LogManager(dataDirectory: "/data", fileSystem: fileSystem, clock: clock)
        for (index, partition) in [orders0, orders1, audit0].enumerated() {
            let log = try manager.createLog(for: partition)
            for _ in 0...index { try log.append(TestBatch.make(recordCount: 4), partitionLeaderEpoch: 0) }
        }
        #expect(try manager.createLog(for: orders0).logEndOffset == 4)  // existing log returned
        #expect(manager.closeAll().isEmpty)

        manager = try LogManager(dataDirectory: "/data", fileSystem: fileSystem, clock: clock)
        let outcome = try manager.loadAll()
        #expect(outcome.failed.isEmpty)
        #expect(Set(outcome.loaded.keys) == [orders0, orders1, audit0])
        #expect(outcome.loaded.values.allSatisfy { $0.cleanShutdown })
        #expect(manager.log(for: orders0)?.logEndOffset == 4)
        #expect(manager.log(for: orders1)?.logEndOffset == 8)
        #expect(manager.log(for: audit0)?.logEndOffset == 12)
    }

    @Test func topicConfigsApplyToNewAndOpenLogs() throws {
        let manager = try LogManager(dataDirectory: "/data", fileSystem: InMemoryFileSystem(), clock: ManualClock())
        let log = try manager.createLog(for: orders0)
        var small = LogConfig()
        small.segmentBytes = 250
        try manager.setTopicConfig(small, forTopic: "orders")
        #expect(try manager.createLog(for: orders1).config.segmentBytes == 250)
        for _ in 0..<4 { try log.append(TestBatch.make(payloadSize: 39), partitionLeaderEpoch: 0) }
        #expect(log.segmentBaseOffsets == [0, 2])
        #expect(try manager.createLog(for: audit0).config == LogConfig())
        small.segmentBytes = 1
        #expect(throws: StorageError(.invalidConfiguration(key: "segment.bytes", value: "1", accepted: "61...2147483647"))) {
            try manager.setTopicConfig(small, forTopic: "orders")
        }
    }

    @Test func deletingALogRemovesItsDirectory() throws {
        let fileSystem = InMemoryFileSystem()
        let manager = try LogManager(dataDirectory: "/data", fileSystem: fileSystem, clock: ManualClock())
        try manager.createLog(for: orders0).append(TestBatch.make(), partitionLeaderEpoch: 0)
        try manager.createLog(for: orders1)
        try manager.deleteLog(for: orders0)
        #expect(manager.log(for: orders0) == nil)
        #expect(try fileSystem.contentsOfDirectory(at: "/data") == ["orders-1"])
        #expect(throws: StorageError(.logNotFound, topicPartition: orders0)) { try manager.deleteLog(for: orders0) }
        // Recreated, it starts empty.
        #expect(try manager.createLog(for: orders0).logEndOffset == 0)
    }

    @Test func loadingFinishesInterruptedDeletesAndIsolatesFailures() throws {
        let fileSystem = InMemoryFileSystem()
        try fileSystem.createDirectory(at: "/data/orders-0.123-delete")
        fileSystem.setBytes([1, 2, 3], at: "/data/orders-0.123-delete/00000000000000000000.log")
        try fileSystem.createDirectory(at: "/data/not a partition")
        try fileSystem.createDirectory(at: "/data/orders-1")
        try fileSystem.createDirectory(at: "/data/audit-log-0")
        fileSystem.setBytes([], at: "/data/meta.properties")
        fileSystem.failNextWrite(suffix: "orders-1/partition.checkpoint.tmp")

        let manager = try LogManager(dataDirectory: "/data", fileSystem: fileSystem, clock: ManualClock())
        let outcome = try manager.loadAll()
        #expect(Set(outcome.loaded.keys) == [audit0])
        #expect(Set(outcome.failed.keys) == [orders1])
        #expect(!fileSystem.fileExists(at: "/data/orders-0.123-delete"))
    }

    @Test func retentionAndFlushesRunAcrossLogs() throws {
        let fileSystem = InMemoryFileSystem()
        let clock = ManualClock(0)
        var config = LogConfig()
        config.segmentBytes = 200
        config.retentionTime = .seconds(10)
        config.flushPolicy = .every(.seconds(1))
        let manager = try LogManager(dataDirectory: "/data", defaultConfig: config, fileSystem: fileSystem, clock: clock)
        for partition in [orders0, orders1] {
            let log = try manager.createLog(for: partition)
            for index in 0..<5 { try log.append(TestBatch.make(baseTimestamp: Int64(index), payloadSize: 39), partitionLeaderEpoch: 0) }
        }
        clock.set(20_000)
        let results = manager.applyRetention()
        #expect(try results[orders0]?.get().deletedSegments == 2)
        #expect(manager.log(for: orders1)?.logStartOffset == 4)
        #expect(manager.flushDueLogs().isEmpty)
        #expect(fileSystem.syncCount(suffix: "orders-1/00000000000000000004.log") == 1)
    }
}
