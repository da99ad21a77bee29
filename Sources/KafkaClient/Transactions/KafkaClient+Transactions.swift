import KafkaProtocol
import NIOCore

/// A transactional producer's identity on a cluster, as InitProducerId granted it.
public struct TransactionalProducer: Hashable, Sendable, Codable {
    public var transactionalID: String
    public var producerID: Int64
    public var epoch: Int16

    public init(transactionalID: String, producerID: Int64, epoch: Int16) {
        self.transactionalID = transactionalID
        self.producerID = producerID
        self.epoch = epoch
    }
}

/// The calls of a transactional producer, kept to the classic protocol (transactions V1):
/// partitions are added with AddPartitionsToTxn, EndTxn stays below v5 and transactional
/// Produce below v12, so the epoch does not change when a transaction ends and sequence
/// numbers simply continue. Every broker since Kafka 0.11 serves these versions, Kafka 4.0
/// included (KIP-890 keeps V1 for clients that ask for it).
extension KafkaClient {
    /// The highest EndTxn version that keeps transactions V1 (v5 turns on the per-transaction epoch bump).
    static let classicEndTxnVersion: Int16 = 4
    /// The highest Produce version that keeps transactions V1 (v12 adds partitions implicitly).
    static let classicTransactionalProduceVersion: Int16 = 11
    /// The highest AddPartitionsToTxn version a client sends (v4+ is broker-to-broker).
    static let clientAddPartitionsVersion: Int16 = 3

    /// The node that coordinates `transactionalID`.
    public func transactionCoordinator(for transactionalID: String) async throws -> Int32 {
        try await retrying {
            try await coordinators(of: [transactionalID], keyType: .transaction)[transactionalID]!.get()
        }
    }

    /// Registers `transactionalID` and returns its producer id and a new epoch; any
    /// transaction the id left open is aborted by the coordinator (and an older epoch fenced).
    public func initTransactionalProducer(
        transactionalID: String, transactionTimeout: Duration
    ) async throws -> TransactionalProducer {
        let request = InitProducerIdRequest(
            transactionalId: transactionalID,
            transactionTimeoutMs: Int32(clamping: transactionTimeout.components.seconds * 1000),
            producerId: -1, producerEpoch: -1)
        return try await retryingOnCoordinator(transactionalID) { coordinator in
            let response = try await send(request, to: coordinator)
            try Self.check(response.errorCode, "InitProducerId \(transactionalID)")
            return TransactionalProducer(
                transactionalID: transactionalID, producerID: response.producerId, epoch: response.producerEpoch)
        }
    }

    /// Adds partitions to the producer's ongoing transaction (starting it if none is).
    public func addPartitionsToTransaction(_ partitions: [TopicPartitionID], producer: TransactionalProducer) async throws {
        let topics = Dictionary(grouping: partitions, by: \.topic).sorted { $0.key < $1.key }.map { topic, partitions in
            AddPartitionsToTxnRequest.AddPartitionsToTxnTopic(name: topic, partitions: partitions.map(\.partition).sorted())
        }
        let request = AddPartitionsToTxnRequest(
            v3AndBelowTransactionalId: producer.transactionalID, v3AndBelowProducerId: producer.producerID,
            v3AndBelowProducerEpoch: producer.epoch, v3AndBelowTopics: topics)
        try await retryingOnCoordinator(producer.transactionalID) { coordinator in
            let connection = try await connection(to: coordinator)
            let version = min(Self.clientAddPartitionsVersion, try connection.version(for: .addPartitionsToTxn))
            let response = try await connection.send(request, version: version)
            try Self.check(response.errorCode, "AddPartitionsToTxn \(producer.transactionalID)")
            for topic in response.resultsByTopicV3AndBelow {
                for partition in topic.resultsByPartition where partition.partitionErrorCode != 0 {
                    throw KafkaClientError(
                        .broker(KafkaErrorCode(rawValue: partition.partitionErrorCode)),
                        message: "AddPartitionsToTxn \(producer.transactionalID)", topic: topic.name,
                        partition: partition.partitionIndex)
                }
            }
        }
    }

    /// Commits or aborts the producer's ongoing transaction. The coordinator answers
    /// before its markers are written: they reach the partitions shortly after.
    public func endTransaction(_ producer: TransactionalProducer, commit: Bool) async throws {
        let request = EndTxnRequest(
            transactionalId: producer.transactionalID, producerId: producer.producerID, producerEpoch: producer.epoch,
            committed: commit)
        try await retryingOnCoordinator(producer.transactionalID) { coordinator in
            let connection = try await connection(to: coordinator)
            let version = min(Self.classicEndTxnVersion, try connection.version(for: .endTxn))
            let response = try await connection.send(request, version: version)
            try Self.check(response.errorCode, "EndTxn \(producer.transactionalID)")
        }
    }

    /// Produces one batch of the producer's ongoing transaction to the partition's leader.
    ///
    /// `batch` must already carry the producer's id, epoch and sequence, the transactional
    /// attribute and base offset 0.
    public func produceTransactional(
        _ batch: ByteBuffer, to partition: TopicPartitionID, producer: TransactionalProducer,
        timeout: Duration = .seconds(30)
    ) async throws -> ProduceResult {
        let node = try await leader(of: partition)
        let connection = try await connection(to: node)
        let version = min(Self.classicTransactionalProduceVersion, try connection.version(for: .produce))
        let request = ProduceRequest(
            transactionalId: producer.transactionalID, acks: -1,
            timeoutMs: Int32(clamping: timeout.components.seconds * 1000),
            topicData: [.init(name: partition.topic, partitionData: [.init(index: partition.partition, records: batch)])])
        let response = try await connection.send(request, version: version)
        guard let answer = response.responses.first?.partitionResponses.first else {
            throw KafkaClientError(.protocolViolation("Produce answered no partition"), topic: partition.topic, partition: partition.partition)
        }
        let error = KafkaErrorCode(rawValue: answer.errorCode)
        if error == .notLeaderOrFollower || error == .unknownTopicOrPartition { invalidateMetadata() }
        return ProduceResult(
            error: error, baseOffset: answer.baseOffset, logAppendTime: answer.logAppendTimeMs,
            logStartOffset: answer.logStartOffset, errorMessage: answer.errorMessage)
    }

    /// Runs a coordinator call, finding the coordinator again after NOT_COORDINATOR /
    /// COORDINATOR_NOT_AVAILABLE and waiting out CONCURRENT_TRANSACTIONS (both retriable).
    private func retryingOnCoordinator<Result: Sendable>(
        _ transactionalID: String, _ operation: (Int32) async throws -> Result
    ) async throws -> Result {
        try await retrying(attempts: 20) {
            let coordinator = try await transactionCoordinator(for: transactionalID)
            return try await operation(coordinator)
        }
    }

    private static func check(_ code: Int16, _ call: String) throws {
        guard code != 0 else { return }
        throw KafkaClientError(.broker(KafkaErrorCode(rawValue: code)), message: call)
    }
}

/// A producer the partition leader keeps state for (DescribeProducers, KIP-664).
public struct ActiveProducer: Hashable, Sendable {
    public var producerID: Int64
    public var epoch: Int32
    public var lastSequence: Int32
}

extension KafkaClient {
    /// The producers the partition's leader keeps idempotence/transaction state for.
    /// Brokers before Kafka 2.8 do not serve DescribeProducers: the call then throws
    /// `unsupportedVersion`.
    public func activeProducers(of partition: TopicPartitionID) async throws -> [ActiveProducer] {
        let request = DescribeProducersRequest(topics: [.init(name: partition.topic, partitionIndexes: [partition.partition])])
        let response = try await sendToLeader(request, of: partition)
        guard let answer = response.topics.first?.partitions.first else {
            throw KafkaClientError(
                .protocolViolation("DescribeProducers answered no partition"), topic: partition.topic, partition: partition.partition)
        }
        guard answer.errorCode == 0 else { throw partitionError(answer.errorCode, partition) }
        return answer.activeProducers.map {
            ActiveProducer(producerID: $0.producerId, epoch: $0.producerEpoch, lastSequence: $0.lastSequence)
        }
    }
}
