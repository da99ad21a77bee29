import KafkaClient
import KafkaProtocol
import NIOCore

/// Walks the record batches of one partition in offset order, fetching as it goes.
///
/// Sessionless fetches with no wait: verification reads what is there now and never
/// leaves fetch sessions behind on the brokers.
struct BatchCursor {
    let client: KafkaClient
    let partition: TopicPartitionID
    /// Reading stops here (the partition's high watermark when the walk began).
    let end: Int64
    private var queue: [RecordBatch] = []
    private var session = FetchSessionState(sessionless: true)
    private var exhausted = false

    init(client: KafkaClient, partition: TopicPartitionID, end: Int64) {
        self.client = client
        self.partition = partition
        self.end = end
    }

    /// The batch holding `offset`, or the first one after it; nil past the end.
    mutating func batch(at offset: Int64) async throws -> RecordBatch? {
        queue.removeAll { $0.nextOffset <= offset }
        if queue.isEmpty, !exhausted, offset < end {
            try await refill(from: offset)
            queue.removeAll { $0.nextOffset <= offset }
        }
        guard let first = queue.first, first.baseOffset < end else { return nil }
        return first
    }

    private mutating func refill(from offset: Int64) async throws {
        let leader = try await client.leader(of: partition)
        let (sessionError, results) = try await client.fetch(
            [partition: .init(offset: offset, maxBytes: 8 << 20)], from: leader, session: &session,
            maxWait: .zero, minBytes: 0, maxBytes: 16 << 20)
        if let sessionError { throw KafkaClientError(.broker(sessionError), topic: partition.topic, partition: partition.partition) }
        guard let result = results[partition] else { return }
        guard result.error == .none else {
            throw KafkaClientError(.broker(result.error), topic: partition.topic, partition: partition.partition)
        }
        var iterator = RecordBatchSequence(result.records).makeIterator()
        while let batch = try iterator.next() {
            queue.append(batch)
        }
        if queue.isEmpty { exhausted = true }
    }
}
