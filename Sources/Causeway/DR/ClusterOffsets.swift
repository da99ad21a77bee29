import KafkaClient
import KafkaProtocol

/// Offset reads that DR commands make on a whole set of partitions at once.
enum ClusterOffsets {
    /// The latest offset of every partition (log end, or high watermark: the same on a
    /// stock Kafka for a read_uncommitted client), failing if any partition has no answer.
    ///
    /// - Parameter missing: when set, a partition the cluster does not have (yet) gets this
    ///   value instead of failing the whole read.
    static func latest(
        _ partitions: [TopicPartitionID], on client: KafkaClient, missing: Int64? = nil
    ) async throws -> [TopicPartitionID: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let results = try await client.listOffsets(Dictionary(uniqueKeysWithValues: partitions.map { ($0, OffsetQuery.latest) }))
        var offsets: [TopicPartitionID: Int64] = [:]
        for partition in partitions {
            switch results[partition] {
            case .success(let found): offsets[partition] = found.offset
            case .failure(let error) where missing != nil && error.kind == .broker(.unknownTopicOrPartition): offsets[partition] = missing
            case .failure(let error): throw error
            case nil: throw KafkaClientError(.noBrokerAvailable, topic: partition.topic, partition: partition.partition)
            }
        }
        return offsets
    }

    /// The log ends once they stop moving: a Produce sent by a mirror that has just
    /// stopped (or by a daemon that was killed) may still be appended after the stop, so
    /// the ends are read until two reads `interval` apart agree (see StartupChecks).
    static func settledLatest(
        _ partitions: [TopicPartitionID], on client: KafkaClient, interval: Duration = StartupChecks.settleInterval
    ) async throws -> [TopicPartitionID: Int64] {
        var previous = try await latest(partitions, on: client)
        for _ in 0..<20 {
            try await Task.sleep(for: interval)
            let current = try await latest(partitions, on: client)
            if current == previous { return current }
            previous = current
        }
        return previous
    }

    /// `latest`, or nil when the cluster does not answer within `timeout` (a lost source).
    static func latestIfReachable(
        _ partitions: [TopicPartitionID], on client: KafkaClient, timeout: Duration
    ) async -> [TopicPartitionID: Int64]? {
        await withTaskGroup(of: [TopicPartitionID: Int64]?.self) { group in
            group.addTask { try? await latest(partitions, on: client) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
