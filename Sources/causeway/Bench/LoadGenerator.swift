import Foundation
import KafkaClient
import KafkaProtocol
import NIOCore
import Synchronization

/// The load of `causeway bench link`, run in a child process (`causeway bench produce`)
/// so that none of its CPU is counted as the daemon's.
///
/// It creates the source topic, then either fills it as fast as the source takes it
/// (`fill`) or produces at a steady rate while reading the destination (`paced`): each
/// batch's send time is kept under its source offset, and since the link keeps offsets,
/// the batch the reader sees at that offset on the destination is the same batch. No
/// clocks are compared across processes and nothing is decoded to find a timestamp.
struct LoadGenerator {
    let source: KafkaClient
    let topic: String
    let partitions: Int
    let batches: BenchBatches
    /// Produce requests in flight at once.
    let maxInFlight: Int

    private struct Key: Hashable {
        var partition: Int32
        var offset: Int64
    }

    /// What the producer and the reader record, shared between their tasks.
    private struct Ledger {
        var batches = 0
        var records = 0
        var bytes = 0
        var endOffsets: [Int64]
        var roundTrips: [Double] = []
        /// Send time of each batch sent after the warm-up, by source offset.
        var sent: [Key: ContinuousClock.Instant] = [:]
        /// When the destination reader first saw each batch, by offset.
        var seen: [Key: ContinuousClock.Instant] = [:]
        var producing = true
    }

    /// Creates the topic (an existing one is kept) and waits until every partition has a leader.
    func createTopic() async throws {
        let outcome = try await source.createTopics([NewTopic(name: topic, partitions: Int32(partitions))])
        if let error = outcome[topic] ?? nil, error.kind != .broker(.topicAlreadyExists) {
            throw error
        }
        for partition in 0..<partitions {
            _ = try await source.retrying(attempts: 50) {
                try await source.leader(of: TopicPartitionID(topic, Int32(partition)))
            }
        }
    }

    /// Sends batches round-robin over the partitions, as fast as `maxInFlight` allows,
    /// until `bytes` or `batchLimit` is reached.
    func fill(bytes: Int, batchLimit: Int) async throws -> LoadResult {
        let ledger = Shared(Ledger(endOffsets: Array(repeating: 0, count: partitions)))
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var index = 0
            var queued = 0
            while queued < bytes && index < batchLimit {
                if index >= maxInFlight { try await group.next() }
                let partition = index % partitions
                let batch = batches.batch(index / partitions, partition: partition)
                group.addTask { try await send(batch, partition: partition, ledger: ledger, keepSendTime: false) }
                queued += batch.bytes.readableBytes
                index += 1
            }
            try await group.waitForAll()
        }
        return ledger.withLock { ledger in
            LoadResult(
                batches: ledger.batches, records: ledger.records, bytes: ledger.bytes,
                seconds: seconds(start.duration(to: clock.now)), endOffsets: ledger.endOffsets,
                produceRoundTrip: Percentiles(ledger.roundTrips))
        }
    }

    /// Produces `bytesPerSecond` for `warmUp` plus `duration`, batch by batch on a fixed
    /// schedule, while `destination` is read; latencies count from the end of the warm-up.
    func paced(
        bytesPerSecond: Double, warmUp: Duration, duration: Duration, destination: KafkaClient
    ) async throws -> LoadResult {
        let ledger = Shared(Ledger(endOffsets: Array(repeating: 0, count: partitions)))
        let clock = ContinuousClock()
        let readers = try await destinationReaders(destination)
        let start = clock.now
        let measuredFrom = start.advanced(by: warmUp)
        var lateness = Duration.zero
        try await withThrowingTaskGroup(of: Void.self) { readerGroup in
            for (node, partitions) in readers {
                readerGroup.addTask { try await read(destination, node: node, partitions: partitions, ledger: ledger) }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                let end = start.advanced(by: warmUp + duration)
                var scheduled = 0.0
                var index = 0
                var inFlight = 0
                while true {
                    let due = start.advanced(by: .seconds(scheduled / bytesPerSecond))
                    guard due < end else { break }
                    let now = clock.now
                    if now < due {
                        try await clock.sleep(until: due)
                    } else if due >= measuredFrom {
                        lateness = max(lateness, due.duration(to: now))
                    }
                    if inFlight >= maxInFlight {
                        try await group.next()
                        inFlight -= 1
                    }
                    let partition = index % partitions
                    let batch = batches.batch(index / partitions, partition: partition)
                    let measured = due >= measuredFrom
                    group.addTask {
                        try await send(batch, partition: partition, ledger: ledger, keepSendTime: measured)
                    }
                    inFlight += 1
                    index += 1
                    scheduled += Double(batch.bytes.readableBytes)
                }
                try await group.waitForAll()
            }
            ledger.withLock { $0.producing = false }
            try await readerGroup.waitForAll()
        }
        return ledger.withLock { ledger in
            var latencies: [Double] = []
            var unseen = 0
            for (key, sent) in ledger.sent {
                if let seen = ledger.seen[key] {
                    latencies.append(milliseconds(sent.duration(to: seen)))
                } else {
                    unseen += 1
                }
            }
            return LoadResult(
                batches: ledger.batches, records: ledger.records, bytes: ledger.bytes,
                seconds: seconds(start.duration(to: clock.now)), endOffsets: ledger.endOffsets,
                produceRoundTrip: Percentiles(ledger.roundTrips), replication: Percentiles(latencies),
                unseenBatches: unseen, maximumLateness: milliseconds(lateness))
        }
    }

    private func send(_ batch: BenchBatches.Batch, partition: Int, ledger: Shared<Ledger>, keepSendTime: Bool)
        async throws
    {
        let id = TopicPartitionID(topic, Int32(partition))
        let clock = ContinuousClock()
        let sentAt = clock.now
        let result = try await source.retrying {
            let outcome = try await source.produce([id: batch.bytes], to: source.leader(of: id))
            guard let answer = outcome[id], answer.error == .none else {
                throw KafkaClientError(
                    .broker(outcome[id]?.error ?? .unknownServerError), topic: topic, partition: Int32(partition))
            }
            return answer
        }
        let roundTrip = milliseconds(sentAt.duration(to: clock.now))
        ledger.withLock { ledger in
            ledger.batches += 1
            ledger.records += batch.records
            ledger.bytes += batch.bytes.readableBytes
            ledger.endOffsets[partition] = max(ledger.endOffsets[partition], result.baseOffset + Int64(batch.records))
            ledger.roundTrips.append(roundTrip)
            if keepSendTime { ledger.sent[Key(partition: Int32(partition), offset: result.baseOffset)] = sentAt }
        }
    }

    /// The destination partitions grouped by leader, each with the offset to read from
    /// (its log end now: the link created the topic and it is empty or caught up).
    private func destinationReaders(_ destination: KafkaClient) async throws -> [Int32: [TopicPartitionID: Int64]] {
        var readers: [Int32: [TopicPartitionID: Int64]] = [:]
        for partition in 0..<partitions {
            let id = TopicPartitionID(topic, Int32(partition))
            let leader = try await destination.retrying(attempts: 50) { try await destination.leader(of: id) }
            let end = try await destination.listOffsets([id: .latest])[id]!.get().offset
            readers[leader, default: [:]][id] = end
        }
        return readers
    }

    /// A consumer's fetch loop on one destination broker (incremental session, long
    /// poll): notes when each batch first becomes readable. Ends once the producer is
    /// done and every partition reached its end offset, or 30 s after the producer ended.
    private func read(
        _ destination: KafkaClient, node: Int32, partitions: [TopicPartitionID: Int64], ledger: Shared<Ledger>
    ) async throws {
        var positions = partitions
        var session = FetchSessionState()
        let clock = ContinuousClock()
        var giveUpAt: ContinuousClock.Instant?
        while true {
            let (producing, ends) = ledger.withLock { ($0.producing, $0.endOffsets) }
            if !producing {
                if positions.allSatisfy({ $0.value >= ends[Int($0.key.partition)] }) { return }
                if giveUpAt == nil { giveUpAt = clock.now.advanced(by: .seconds(30)) }
                if clock.now >= giveUpAt! { return }
            }
            let targets = positions.mapValues { FetchSessionState.Target(offset: $0, maxBytes: 1 << 20) }
            let (_, results) = try await destination.fetch(
                targets, from: node, session: &session, maxWait: .milliseconds(100), minBytes: 1, maxBytes: 50 << 20)
            let now = clock.now
            var seen: [Key] = []
            for (id, result) in results where result.error == .none {
                var iterator = RecordBatchSequence(result.records).makeIterator()
                while let batch = try iterator.next() {
                    seen.append(Key(partition: id.partition, offset: batch.baseOffset))
                    positions[id] = max(positions[id] ?? 0, batch.nextOffset)
                }
            }
            if !seen.isEmpty {
                ledger.withLock { ledger in
                    for key in seen where ledger.seen[key] == nil { ledger.seen[key] = now }
                }
            }
        }
    }
}

/// A value shared by tasks, behind a lock (a class, so closures can capture it).
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }
}

func seconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) + Double(attoseconds) / 1e18
}

func milliseconds(_ duration: Duration) -> Double { seconds(duration) * 1000 }
