import KafkaProtocol
import NIOCore

/// The broker's answer for one partition of a Produce.
public struct ProduceResult: Hashable, Sendable {
    public var error: KafkaErrorCode
    /// The offset the broker gave the first record of the batch, or -1.
    public var baseOffset: Int64
    public var logAppendTime: Int64
    public var logStartOffset: Int64
    public var errorMessage: String?
}

extension KafkaClient {
    /// Sends one Produce to one broker carrying at most one batch per partition (Kafka
    /// refuses two batches for one partition in one request: INVALID_RECORD).
    ///
    /// `batches` are whole record batches with base offset 0 (KAFKA-RULES 2); they are
    /// written to the socket as given, not copied. With acks=0 the broker answers
    /// nothing and the results are empty.
    public func produce(
        _ batches: [TopicPartitionID: ByteBuffer], to node: Int32, acks: Int16 = -1, timeout: Duration = .seconds(30),
        transactionalID: String? = nil
    ) async throws -> [TopicPartitionID: ProduceResult] {
        let request = ProduceRequest(
            transactionalId: transactionalID, acks: acks,
            timeoutMs: Int32(clamping: timeout.components.seconds * 1000),
            topicData: Dictionary(grouping: batches.keys, by: \.topic).sorted { $0.key < $1.key }.map { topic, partitions in
                .init(name: topic, partitionData: partitions.sorted().map { .init(index: $0.partition, records: batches[$0]!) })
            })
        let connection = try await connection(to: node)
        if acks == 0 {
            try await connection.sendWithoutResponse(request)
            return [:]
        }
        let response = try await connection.send(request)
        var results: [TopicPartitionID: ProduceResult] = [:]
        for topic in response.responses {
            for partition in topic.partitionResponses {
                let id = TopicPartitionID(topic.name, partition.index)
                let error = KafkaErrorCode(rawValue: partition.errorCode)
                if error == .notLeaderOrFollower || error == .unknownTopicOrPartition { invalidateMetadata() }
                results[id] = ProduceResult(
                    error: error, baseOffset: partition.baseOffset, logAppendTime: partition.logAppendTimeMs,
                    logStartOffset: partition.logStartOffset, errorMessage: partition.errorMessage)
            }
        }
        return results
    }

    /// Fetches from one broker with a session kept in `session` (see `FetchSessionState`).
    ///
    /// Fetch is capped at version 12, the last that names topics (v13+ needs topic ids),
    /// which every broker from Kafka 2.8 on serves.
    public func fetch(
        _ wanted: [TopicPartitionID: FetchSessionState.Target], from node: Int32, session: inout FetchSessionState,
        maxWait: Duration = .milliseconds(500), minBytes: Int32 = 1, maxBytes: Int32 = 52_428_800
    ) async throws -> (sessionError: KafkaErrorCode?, partitions: [TopicPartitionID: FetchSessionState.PartitionResult]) {
        let connection: KafkaConnection
        do {
            connection = try await self.connection(to: node)
        } catch {
            session.reset()
            throw error
        }
        let version = min(12, try connection.version(for: .fetch))
        let request = session.makeRequest(
            wanted: wanted, version: version, maxWait: maxWait, minBytes: minBytes, maxBytes: maxBytes)
        do {
            let response = try await connection.send(request, version: version)
            return session.responseReceived(response)
        } catch {
            session.reset()
            throw error
        }
    }
}
