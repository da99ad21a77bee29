import KafkaProtocol
import NIOCore

/// The durable state of the transaction coordinator: one record per change of a
/// transactional id, holding its whole metadata, in `transaction-coordinator/transactions.log`
/// (a ``DurableRecordLog``). On start the last record of each id is its state.
///
/// Why a file and not Kafka's `__transaction_state` topic: the same reasons as the group
/// coordinator's ``OffsetStore`` (the broker's topics are what the mirror engine copies
/// and compares, so an internal topic would have to be hidden everywhere, and this
/// needs no more than "append durably before answering, read back on start, drop what
/// later records replaced"). Whole-metadata records, as Kafka's own
/// `TransactionLogValue`, make replay trivial: no record depends on an earlier one.
typealias TransactionStore = DurableRecordLog<TransactionMetadata>

extension DurableRecordLog where Record == TransactionMetadata {
    convenience init(dataDirectory: String, fileSystem: any LogFileSystem) {
        self.init(
            directory: dataDirectory + "/transaction-coordinator", fileName: "transactions.log", magic: "CWTXNS01",
            kind: "transaction coordinator log", fileSystem: fileSystem)
    }
}

extension TransactionMetadata: DurableRecord {
    /// Layout version of the record, written first.
    private static let recordVersion: Int8 = 1

    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(Self.recordVersion)
        buffer.writeKafkaString(transactionalId, compact: false)
        buffer.writeInteger(producerId)
        buffer.writeInteger(producerEpoch)
        buffer.writeInteger(previousProducerId)
        buffer.writeInteger(previousProducerEpoch)
        buffer.writeInteger(timeoutMs)
        buffer.writeInteger(state.storedID)
        buffer.writeInteger(startTimestamp)
        buffer.writeInteger(lastUpdateTimestamp)
        let sorted = partitions.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        buffer.writeInteger(Int32(sorted.count))
        for partition in sorted {
            buffer.writeKafkaString(partition.topic, compact: false)
            buffer.writeInteger(partition.partition)
        }
        buffer.writeInteger(Int32(pendingOffsets.count))
        for (group, offsets) in pendingOffsets.sorted(by: { $0.key < $1.key }) {
            buffer.writeKafkaString(group, compact: false)
            buffer.writeInteger(Int32(offsets.count))
            for (partition, offset) in offsets.sorted(by: { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }) {
                buffer.writeKafkaString(partition.topic, compact: false)
                buffer.writeInteger(partition.partition)
                buffer.writeInteger(offset.offset)
                buffer.writeInteger(offset.leaderEpoch)
                buffer.writeKafkaString(offset.metadata, compact: false)
            }
        }
    }

    init(from buffer: inout ByteBuffer) throws {
        let version: Int8 = try buffer.readKafkaInteger()
        guard version == Self.recordVersion else {
            throw KafkaProtocolError(.corruptBatch("unknown transaction store record version \(version)"))
        }
        let transactionalId = try buffer.readKafkaString(compact: false, field: "transactional id")
        let producerId: Int64 = try buffer.readKafkaInteger()
        let producerEpoch: Int16 = try buffer.readKafkaInteger()
        let previousProducerId: Int64 = try buffer.readKafkaInteger()
        let previousProducerEpoch: Int16 = try buffer.readKafkaInteger()
        let timeoutMs: Int32 = try buffer.readKafkaInteger()
        let stateID: Int8 = try buffer.readKafkaInteger()
        guard let state = TransactionState(storedID: stateID) else {
            throw KafkaProtocolError(.corruptBatch("unknown transaction state \(stateID)"))
        }
        let startTimestamp: Int64 = try buffer.readKafkaInteger()
        let lastUpdateTimestamp: Int64 = try buffer.readKafkaInteger()
        self.init(
            transactionalId: transactionalId, producerId: producerId, producerEpoch: producerEpoch, timeoutMs: timeoutMs,
            state: state, lastUpdateTimestamp: lastUpdateTimestamp)
        self.previousProducerId = previousProducerId
        self.previousProducerEpoch = previousProducerEpoch
        self.startTimestamp = startTimestamp
        let partitionCount: Int32 = try buffer.readKafkaInteger()
        for _ in 0..<max(0, partitionCount) {
            partitions.insert(try Self.readPartition(from: &buffer))
        }
        let groupCount: Int32 = try buffer.readKafkaInteger()
        for _ in 0..<max(0, groupCount) {
            let group = try buffer.readKafkaString(compact: false, field: "group id")
            let offsetCount: Int32 = try buffer.readKafkaInteger()
            var offsets: [TopicPartition: PendingTransactionOffset] = [:]
            for _ in 0..<max(0, offsetCount) {
                let partition = try Self.readPartition(from: &buffer)
                let offset: Int64 = try buffer.readKafkaInteger()
                let leaderEpoch: Int32 = try buffer.readKafkaInteger()
                let metadata = try buffer.readKafkaString(compact: false, field: "metadata")
                offsets[partition] = PendingTransactionOffset(offset: offset, leaderEpoch: leaderEpoch, metadata: metadata)
            }
            pendingOffsets[group] = offsets
        }
    }

    private static func readPartition(from buffer: inout ByteBuffer) throws -> TopicPartition {
        let topic = try buffer.readKafkaString(compact: false, field: "topic")
        let partition: Int32 = try buffer.readKafkaInteger()
        return TopicPartition(topic: topic, partition: partition)
    }
}
