import KafkaProtocol
import NIOCore

/// One entry of the group coordinator's durable log: what Kafka writes to
/// `__consumer_offsets` (offset commits, group metadata, and their tombstones), minus the
/// members, which this broker does not keep across restarts.
enum OffsetStoreRecord: Hashable, Sendable {
    case offsetCommit(groupID: String, partition: TopicPartition, offset: CommittedOffset)
    case offsetDelete(groupID: String, partition: TopicPartition)
    /// The durable part of a group: protocol type, generation, selected protocol and when
    /// it entered its state.
    case groupMetadata(groupID: String, protocolType: String?, generationID: Int32, protocolName: String?, stateTimestamp: Int64?)
    case groupDelete(groupID: String)

    private enum Kind: Int8 {
        case offsetCommit = 1, offsetDelete = 2, groupMetadata = 3, groupDelete = 4
    }

    func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .offsetCommit(let groupID, let partition, let offset):
            buffer.writeInteger(Kind.offsetCommit.rawValue)
            buffer.writeKafkaString(groupID, compact: false)
            buffer.writeKafkaString(partition.topic, compact: false)
            buffer.writeInteger(partition.partition, endianness: .big)
            buffer.writeInteger(offset.offset, endianness: .big)
            buffer.writeInteger(offset.leaderEpoch, endianness: .big)
            buffer.writeKafkaString(offset.metadata, compact: false)
            buffer.writeInteger(offset.commitTimestamp, endianness: .big)
            buffer.writeInteger(offset.expireTimestamp ?? -1, endianness: .big)
        case .offsetDelete(let groupID, let partition):
            buffer.writeInteger(Kind.offsetDelete.rawValue)
            buffer.writeKafkaString(groupID, compact: false)
            buffer.writeKafkaString(partition.topic, compact: false)
            buffer.writeInteger(partition.partition, endianness: .big)
        case .groupMetadata(let groupID, let protocolType, let generationID, let protocolName, let stateTimestamp):
            buffer.writeInteger(Kind.groupMetadata.rawValue)
            buffer.writeKafkaString(groupID, compact: false)
            buffer.writeKafkaString(protocolType, compact: false)
            buffer.writeInteger(generationID, endianness: .big)
            buffer.writeKafkaString(protocolName, compact: false)
            buffer.writeInteger(stateTimestamp ?? -1, endianness: .big)
        case .groupDelete(let groupID):
            buffer.writeInteger(Kind.groupDelete.rawValue)
            buffer.writeKafkaString(groupID, compact: false)
        }
    }

    init(from buffer: inout ByteBuffer) throws {
        let raw: Int8 = try buffer.readKafkaInteger()
        guard let kind = Kind(rawValue: raw) else {
            throw KafkaProtocolError(.corruptBatch("unknown group store record type \(raw)"), offset: buffer.readerIndex - 1)
        }
        let groupID = try buffer.readKafkaString(compact: false, field: "group id")
        switch kind {
        case .offsetCommit:
            let topic = try buffer.readKafkaString(compact: false, field: "topic")
            let partition: Int32 = try buffer.readKafkaInteger()
            let offset: Int64 = try buffer.readKafkaInteger()
            let leaderEpoch: Int32 = try buffer.readKafkaInteger()
            let metadata = try buffer.readKafkaString(compact: false, field: "metadata")
            let commitTimestamp: Int64 = try buffer.readKafkaInteger()
            let expireTimestamp: Int64 = try buffer.readKafkaInteger()
            self = .offsetCommit(
                groupID: groupID, partition: TopicPartition(topic: topic, partition: partition),
                offset: CommittedOffset(
                    offset: offset, leaderEpoch: leaderEpoch, metadata: metadata, commitTimestamp: commitTimestamp,
                    expireTimestamp: expireTimestamp < 0 ? nil : expireTimestamp))
        case .offsetDelete:
            let topic = try buffer.readKafkaString(compact: false, field: "topic")
            let partition: Int32 = try buffer.readKafkaInteger()
            self = .offsetDelete(groupID: groupID, partition: TopicPartition(topic: topic, partition: partition))
        case .groupMetadata:
            let protocolType = try buffer.readKafkaNullableString(compact: false)
            let generationID: Int32 = try buffer.readKafkaInteger()
            let protocolName = try buffer.readKafkaNullableString(compact: false)
            let stateTimestamp: Int64 = try buffer.readKafkaInteger()
            self = .groupMetadata(
                groupID: groupID, protocolType: protocolType, generationID: generationID, protocolName: protocolName,
                stateTimestamp: stateTimestamp < 0 ? nil : stateTimestamp)
        case .groupDelete:
            self = .groupDelete(groupID: groupID)
        }
    }
}
