import Testing
@testable import KafkaBroker

@Suite struct PartitionCheckpointTests {
    @Test func roundTripsAndRejectsGarbage() throws {
        let checkpoint = PartitionCheckpoint(logStartOffset: 42, recoveryPoint: 1_000)
        #expect(try PartitionCheckpoint(decoding: checkpoint.encoded()) == checkpoint)
        #expect(throws: StorageError.self) { try PartitionCheckpoint(decoding: Array("1\nlog-start-offset 1\n".utf8)) }
        #expect(throws: StorageError.self) { try PartitionCheckpoint(decoding: Array("0\nlog-start-offset x\n".utf8)) }
    }

    @Test func isWrittenAtomicallyAndDurably() throws {
        let fileSystem = InMemoryFileSystem()
        try fileSystem.createDirectory(at: "/d")
        try PartitionCheckpoint(logStartOffset: 7, recoveryPoint: 9).write(directory: "/d", fileSystem: fileSystem)
        fileSystem.crash()
        #expect(try PartitionCheckpoint.read(directory: "/d", fileSystem: fileSystem) == .init(logStartOffset: 7, recoveryPoint: 9))
        #expect(try fileSystem.contentsOfDirectory(at: "/d") == ["partition.checkpoint"])
        #expect(fileSystem.directorySyncCount == 1)
    }

    @Test func namesFollowKafka() {
        #expect(LogFileNames.logFile(42) == "00000000000000000042.log")
        #expect(LogFileNames.baseOffset(ofFile: "00000000000000000042.timeindex", suffix: ".timeindex") == 42)
        #expect(LogFileNames.baseOffset(ofFile: "42.log", suffix: ".log") == nil)
        #expect(TopicPartition(directoryName: "my-topic-12") == TopicPartition(topic: "my-topic", partition: 12))
        #expect(TopicPartition(directoryName: "topic-x") == nil)
    }
}
