import KafkaProtocol

/// Which offset ListOffsets should find.
public enum OffsetQuery: Hashable, Sendable {
    /// The log start offset.
    case earliest
    /// The high watermark (read_uncommitted) or last stable offset (read_committed).
    case latest
    /// The offset of the batch holding the largest timestamp (KIP-734).
    case maxTimestamp
    /// The first offset whose timestamp is at or after this one (milliseconds).
    case timestamp(Int64)

    var wireValue: Int64 {
        switch self {
        case .earliest: return -2
        case .latest: return -1
        case .maxTimestamp: return -3
        case .timestamp(let milliseconds): return milliseconds
        }
    }
}

/// An offset found by ListOffsets, and the timestamp that came with it (-1 if none).
public struct OffsetAndTimestamp: Hashable, Sendable {
    public var offset: Int64
    public var timestamp: Int64
}

extension KafkaClient {
    /// Looks offsets up on each partition's leader, one request per leader.
    ///
    /// Each partition gets its own result: a partition whose leader moved fails with
    /// NOT_LEADER_OR_FOLLOWER (retriable) while the others succeed.
    public func listOffsets(
        _ queries: [TopicPartitionID: OffsetQuery], readCommitted: Bool = false
    ) async throws -> [TopicPartitionID: Result<OffsetAndTimestamp, KafkaClientError>] {
        var results: [TopicPartitionID: Result<OffsetAndTimestamp, KafkaClientError>] = [:]
        for (leader, partitions) in try await groupByLeader(Array(queries.keys), results: &results) {
            let byTopic = Dictionary(grouping: partitions, by: \.topic)
            let request = ListOffsetsRequest(
                replicaId: -1, isolationLevel: readCommitted ? 1 : 0,
                topics: byTopic.sorted { $0.key < $1.key }.map { topic, partitions in
                    .init(
                        name: topic,
                        partitions: partitions.map { .init(partitionIndex: $0.partition, timestamp: queries[$0]!.wireValue) })
                })
            do {
                let response = try await send(request, to: leader)
                for topic in response.topics {
                    for partition in topic.partitions {
                        let id = TopicPartitionID(topic.name, partition.partitionIndex)
                        results[id] =
                            partition.errorCode == 0
                            ? .success(OffsetAndTimestamp(offset: partition.offset, timestamp: partition.timestamp))
                            : .failure(partitionError(partition.errorCode, id))
                    }
                }
            } catch let error as KafkaClientError {
                for id in partitions { results[id] = .failure(error) }
            }
        }
        return results
    }

    /// Moves log start offsets forward (DeleteRecords); -1 means up to the high
    /// watermark. Returns each partition's new low watermark.
    public func deleteRecords(
        before offsets: [TopicPartitionID: Int64]
    ) async throws -> [TopicPartitionID: Result<Int64, KafkaClientError>] {
        var results: [TopicPartitionID: Result<Int64, KafkaClientError>] = [:]
        for (leader, partitions) in try await groupByLeader(Array(offsets.keys), results: &results) {
            let byTopic = Dictionary(grouping: partitions, by: \.topic)
            let request = DeleteRecordsRequest(
                topics: byTopic.sorted { $0.key < $1.key }.map { topic, partitions in
                    .init(name: topic, partitions: partitions.map { .init(partitionIndex: $0.partition, offset: offsets[$0]!) })
                },
                timeoutMs: Int32(clamping: configuration.requestTimeout.components.seconds * 1000))
            do {
                let response = try await send(request, to: leader)
                for topic in response.topics {
                    for partition in topic.partitions {
                        let id = TopicPartitionID(topic.name, partition.partitionIndex)
                        results[id] =
                            partition.errorCode == 0
                            ? .success(partition.lowWatermark) : .failure(partitionError(partition.errorCode, id))
                    }
                }
            } catch let error as KafkaClientError {
                for id in partitions { results[id] = .failure(error) }
            }
        }
        return results
    }

    /// Partitions grouped by their leader's node id; partitions without a known leader
    /// get a failure in `results` instead.
    func groupByLeader<Value>(
        _ partitions: [TopicPartitionID], results: inout [TopicPartitionID: Result<Value, KafkaClientError>]
    ) async throws -> [Int32: [TopicPartitionID]] {
        let snapshot = try await metadata(covering: Array(Set(partitions.map(\.topic))))
        var groups: [Int32: [TopicPartitionID]] = [:]
        for partition in partitions.sorted() {
            if let leader = snapshot.leader(of: partition) {
                groups[leader, default: []].append(partition)
            } else {
                let code = snapshot.topics[partition.topic]?.error ?? .unknownTopicOrPartition
                results[partition] = .failure(
                    KafkaClientError(.broker(code == .none ? .leaderNotAvailable : code), topic: partition.topic, partition: partition.partition))
                invalidateMetadata()
            }
        }
        return groups
    }

    func partitionError(_ code: Int16, _ partition: TopicPartitionID) -> KafkaClientError {
        let error = KafkaErrorCode(rawValue: code)
        if error == .notLeaderOrFollower || error == .leaderNotAvailable || error == .fencedLeaderEpoch
            || error == .unknownLeaderEpoch
        {
            invalidateMetadata()
        }
        return KafkaClientError(.broker(error), topic: partition.topic, partition: partition.partition)
    }
}
