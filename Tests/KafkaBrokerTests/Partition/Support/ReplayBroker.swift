import Foundation
import KafkaProtocol
import NIOCore
@testable import KafkaBroker

/// A stand-in for the request handlers: one ``Partition`` (partition 0, in memory) per
/// topic of a recorded case, and just enough request handling to replay the case's
/// Produce, DeleteRecords, ListOffsets and Fetch frames through the Partition API.
final class ReplayBroker {
    let clock = ManualClock(RecordedCase.recordedNow)
    let fileSystem = InMemoryFileSystem()
    private(set) var partitions: [TopicPartition: Partition] = [:]

    init(topicConfigs: [String: [String: String]]) throws {
        for (topic, overrides) in topicConfigs {
            let topicConfig = TopicConfig(overrides: overrides)
            let partition = TopicPartition(topic: topic, partition: 0)
            let log = try PartitionLog.open(
                directory: "/data/\(partition.directoryName)", topicPartition: partition,
                config: topicConfig.logConfig(base: LogTesting.config()), fileSystem: fileSystem, clock: clock)
            partitions[partition] = try Partition(log: log, topicConfig: topicConfig, clock: clock)
        }
    }

    /// Replays the setup frames, in order; CreateTopics and other APIs are skipped.
    func replaySetup(of recorded: RecordedCase) throws {
        for frame in recorded.setup {
            switch frame.apiKey {
            case ProduceRequest.apiKey: _ = try produce(frame)
            case DeleteRecordsRequest.apiKey: _ = try deleteRecords(frame)
            default: continue
            }
        }
    }

    // MARK: Produce

    /// Per topic and partition: the outcome, or nil for a partition that does not exist
    /// (the handler's UNKNOWN_TOPIC_OR_PARTITION).
    func produce(_ frame: RecordedCase.Frame) throws -> [TopicPartition: PartitionAppendOutcome?] {
        let request = try RecordedCase.requestBody(frame, as: ProduceRequest.self)
        // The request-wide rule the handler applies (KafkaApis): a transactional batch
        // anywhere and no transactional id fails every partition with 53.
        let transactionalWithoutId = request.transactionalId == nil && request.topicData.contains { topic in
            topic.partitionData.contains { ProduceValidator.containsTransactionalBatch($0.records ?? ByteBuffer()) }
        }
        var results: [TopicPartition: PartitionAppendOutcome?] = [:]
        for topic in request.topicData {
            for data in topic.partitionData {
                let key = TopicPartition(topic: topic.name, partition: data.index)
                guard let partition = partitions[key] else {
                    results[key] = .some(nil)
                    continue
                }
                if transactionalWithoutId {
                    results[key] = PartitionAppendOutcome(
                        errorCode: .transactionalIdAuthorizationFailed, baseOffset: -1, logStartOffset: -1)
                    continue
                }
                let context = ProduceRequestContext(requestVersion: frame.apiVersion, transactionalId: request.transactionalId)
                results[key] = partition.append(records: data.records, request: context)
            }
        }
        return results
    }

    // MARK: DeleteRecords

    func deleteRecords(_ frame: RecordedCase.Frame) throws -> [TopicPartition: DeleteRecordsOutcome?] {
        let request = try RecordedCase.requestBody(frame, as: DeleteRecordsRequest.self)
        var results: [TopicPartition: DeleteRecordsOutcome?] = [:]
        for topic in request.topics {
            for data in topic.partitions {
                let key = TopicPartition(topic: topic.name, partition: data.partitionIndex)
                results[key] = .some(partitions[key]?.deleteRecords(before: data.offset))
            }
        }
        return results
    }

    // MARK: ListOffsets

    func listOffsets(_ frame: RecordedCase.Frame) throws -> [TopicPartition: PartitionOffset?] {
        let request = try RecordedCase.requestBody(frame, as: ListOffsetsRequest.self)
        var results: [TopicPartition: PartitionOffset?] = [:]
        for topic in request.topics {
            for data in topic.partitions {
                let key = TopicPartition(topic: topic.name, partition: data.partitionIndex)
                let spec: OffsetSpec = switch data.timestamp {
                case -2, -4: .earliest
                case -1: .latest
                case -3: .maxTimestamp
                default: .timestamp(data.timestamp)
                }
                results[key] = try partitions[key]?.lookupOffset(spec)
            }
        }
        return results
    }

    // MARK: Fetch

    /// The batches a Fetch of each requested partition returns, or the storage error.
    func fetch(_ frame: RecordedCase.Frame) throws -> [TopicPartition: Result<LogReadResult, StorageError>] {
        let request = try RecordedCase.requestBody(frame, as: FetchRequest.self)
        var results: [TopicPartition: Result<LogReadResult, StorageError>] = [:]
        for topic in request.topics {
            for data in topic.partitions {
                let key = TopicPartition(topic: topic.topic, partition: data.partition)
                guard let partition = partitions[key] else { continue }
                do {
                    results[key] = .success(
                        try partition.read(from: data.fetchOffset, maxBytes: Int(data.partitionMaxBytes), minOneBatch: true))
                } catch let error as StorageError {
                    results[key] = .failure(error)
                }
            }
        }
        return results
    }
}
