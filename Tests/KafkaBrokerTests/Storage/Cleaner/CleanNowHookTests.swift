import Foundation
import KafkaProtocol
import Logging
import NIOCore
import Testing
@testable import KafkaBroker

/// The test hook end to end: a compacted topic produced to through the broker's produce
/// path, then `cleanNow(topic:)`.
@Suite struct CleanNowHookTests {
    @Test func cleanNowCompactsEveryPartitionOfATopic() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = BrokerConfiguration(dataDirectory: directory.path)
        configuration.segmentBytes = 400
        let core = try BrokerCore(configuration: configuration, logger: Logger(label: "test"))
        defer { core.shutdown() }
        try core.createTopic(name: "table", partitions: 1, replicationFactor: 1,
                             configOverrides: ["cleanup.policy": "compact"])
        let partition = try #require(core.partition(TopicPartition(topic: "table", partition: 0)))

        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var expected: [String: String] = [:]
        for round in 0..<15 {
            var builder = RecordBatchBuilder(baseTimestamp: now)
            for key in ["a", "b", "c\(round)"] {
                builder.append(key: ByteBuffer(string: key), value: ByteBuffer(string: "\(key)-\(round)"))
                expected[key] = "\(key)-\(round)"
            }
            let outcome = partition.append(records: try builder.build().bytes, request: ProduceTesting.request())
            #expect(outcome.errorCode == .none)
        }
        let logEnd = partition.logEndOffset

        let outcomes = try core.cleanNow(topic: "table")
        #expect(outcomes[0]?.didClean == true)
        #expect(partition.logEndOffset == logEnd && partition.logStartOffset == 0)

        var table: [String: String] = [:]
        var offsets: [Int64] = []
        var offset: Int64 = 0
        while offset < logEnd {
            let read = try partition.read(from: offset, maxBytes: 1 << 20, minOneBatch: true)
            let batches = try RecordBatchSequence(read.records).split().batches
            guard let last = batches.last else { break }
            for batch in batches {
                for record in try batch.records(maxDecompressedSize: 1 << 20) {
                    offsets.append(record.offset(in: batch))
                    table[String(buffer: record.key!)] = record.value.map { String(buffer: $0) }
                }
            }
            offset = last.nextOffset
        }
        #expect(table == expected)
        #expect(offsets.count < Int(logEnd) && offsets == offsets.sorted())
        #expect(throws: BrokerError.self) { try core.cleanNow(topic: "missing") }
    }
}
