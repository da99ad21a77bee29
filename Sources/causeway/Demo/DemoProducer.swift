import Foundation
import KafkaClient
import KafkaProtocol
import NIOCore

/// Writes the demo's traffic to the source: an idempotent producer (sequenced batches)
/// on `demo.orders`, plain batches on `demo.clicks`, every codec in turn, record
/// headers, and timestamps from the last hour, the shapes real producers send; and
/// between them transactions on `demo.payments`, every fourth one aborted.
struct DemoProducer {
    let client: KafkaClient
    let records: Int
    /// The producer spreads its batches over this long, so the link is seen working live.
    let duration: Duration
    let batchSize = 50

    /// Records written so far, read by the progress display.
    final class Progress: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        var count: Int { lock.withLock { value } }
        func add(_ n: Int) { lock.withLock { value += n } }
    }

    func run(progress: Progress) async throws {
        let producerID = try await initProducerID()
        var payments = TransactionWriter(
            client: client, producer: try await client.initTransactionalProducer(
                transactionalID: "demo-payments", transactionTimeout: .seconds(60)))
        var sequences: [Int32: Int32] = [:]
        var written = 0
        var round = 0
        let clock = ContinuousClock()
        let start = clock.now
        let batches = max(1, (records + batchSize - 1) / batchSize)
        while written < records {
            // Pace: batch n is due at n/batches of the duration.
            try await clock.sleep(until: start.advanced(by: duration * (Double(round) / Double(batches))))
            let idempotent = round % 2 == 0
            let topic = idempotent ? "demo.orders" : "demo.clicks"
            let partitions: Int32 = idempotent ? 4 : 3
            let partition = TopicPartitionID(topic, Int32(round / 2) % partitions)
            let codec = CompressionCodec.allCases[round % CompressionCodec.allCases.count]
            let count = min(batchSize, records - written)
            var builder = RecordBatchBuilder(baseTimestamp: Int64(Date().timeIntervalSince1970 * 1000) - 3_600_000, codec: codec)
            if idempotent {
                builder.producerId = producerID
                builder.producerEpoch = 0
                builder.baseSequence = sequences[partition.partition, default: 0]
                sequences[partition.partition, default: 0] += Int32(count)
            }
            for index in 0..<count {
                let number = written + index
                builder.append(
                    key: ByteBuffer(string: "\(topic == "demo.orders" ? "order" : "session")-\(number % 997)"),
                    value: ByteBuffer(string: "{\"n\":\(number),\"codec\":\"\(codec.name)\",\"amount\":\(number % 500).\(number % 100)}"),
                    headers: [RecordHeader(key: "source", value: ByteBuffer(string: "causeway-demo"))],
                    timestampDelta: Int64(number % 1000), offsetDelta: Int32(index), attributes: 0)
            }
            let batch = try builder.build().bytes
            let result = try await client.retrying {
                let outcome = try await client.produce([partition: batch], to: client.leader(of: partition))
                guard let answer = outcome[partition], answer.error == .none else {
                    throw KafkaClientError(.broker(outcome[partition]?.error ?? .unknownServerError), topic: topic, partition: partition.partition)
                }
                return answer
            }
            _ = result
            written += count
            progress.add(count)
            if round % 8 == 7 { try await payments.write(number: round / 8) }
            round += 1
        }
    }

    /// One transaction on a `demo.payments` partition per call: two batches, committed,
    /// except every fourth, which is aborted (read_committed consumers never see it).
    struct TransactionWriter {
        let client: KafkaClient
        let producer: TransactionalProducer
        var sequences: [Int32: Int32] = [:]

        mutating func write(number: Int) async throws {
            let partition = TopicPartitionID("demo.payments", Int32(number % 2))
            let commit = number % 4 != 3
            try await client.addPartitionsToTransaction([partition], producer: producer)
            for part in 0..<2 {
                var builder = RecordBatchBuilder(
                    baseTimestamp: Int64(Date().timeIntervalSince1970 * 1000), codec: part == 0 ? .zstd : .none,
                    producerId: producer.producerID, producerEpoch: producer.epoch,
                    baseSequence: sequences[partition.partition, default: 0], isTransactional: true)
                for index in 0..<10 {
                    builder.append(
                        key: ByteBuffer(string: "payment-\(number)-\(part * 10 + index)"),
                        value: ByteBuffer(string: "{\"payment\":\(number),\"line\":\(part * 10 + index),\"committed\":\(commit)}"),
                        timestampDelta: Int64(index), offsetDelta: Int32(index))
                }
                sequences[partition.partition, default: 0] += 10
                let answer = try await client.produceTransactional(try builder.build().bytes, to: partition, producer: producer)
                guard answer.error == .none else {
                    throw KafkaClientError(.broker(answer.error), topic: partition.topic, partition: partition.partition)
                }
            }
            try await client.endTransaction(producer, commit: commit)
        }
    }

    private func initProducerID() async throws -> Int64 {
        let response = try await client.anyConnection().send(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: -1))
        guard response.errorCode == 0 else {
            throw KafkaClientError(.broker(KafkaErrorCode(rawValue: response.errorCode)), message: "InitProducerId")
        }
        return response.producerId
    }

    /// A topic whose first half was deleted (DeleteRecords) before the link starts: the
    /// mirror must bootstrap it at the same log start offset.
    static func writeTrimmedTopic(_ client: KafkaClient, records: Int) async throws -> Int64 {
        let partition = TopicPartitionID("demo.archive", 0)
        var written = 0
        while written < records {
            var builder = RecordBatchBuilder(baseTimestamp: Int64(Date().timeIntervalSince1970 * 1000) - 7_200_000, codec: .gzip)
            for index in 0..<100 {
                builder.append(
                    key: ByteBuffer(string: "archive-\(written + index)"), value: ByteBuffer(string: "old event \(written + index)"),
                    headers: [], timestampDelta: Int64(index), offsetDelta: Int32(index), attributes: 0)
            }
            _ = try await client.produce([partition: try builder.build().bytes], to: client.leader(of: partition))
            written += 100
        }
        let logStart = Int64(written / 2)
        _ = try await client.deleteRecords(before: [partition: logStart])[partition]!.get()
        return logStart
    }
}
