import KafkaProtocol
import NIOCore
@testable import KafkaBroker

/// Batches and validators for Produce tests.
enum ProduceTesting {
    static let partition = TopicPartition(topic: "orders", partition: 0)
    static let now: Int64 = 1_800_000_000_000

    static func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// A batch of `count` keyed records (k0, v0, ...) at `now`, built as a client would.
    static func batch(
        count: Int = 3, codec: CompressionCodec = .none, producerId: Int64 = -1, producerEpoch: Int16 = -1,
        baseSequence: Int32 = -1, isTransactional: Bool = false, timestampType: TimestampType = .createTime,
        baseTimestamp: Int64 = now, timestampDeltas: [Int64]? = nil, offsetDeltas: [Int32]? = nil,
        nullKeyAt: Set<Int> = [], edit: (inout RecordBatchBuilder) -> Void = { _ in }
    ) throws -> RecordBatch {
        var builder = RecordBatchBuilder(
            baseTimestamp: baseTimestamp, codec: codec, producerId: producerId, producerEpoch: producerEpoch,
            baseSequence: baseSequence, isTransactional: isTransactional, timestampType: timestampType)
        for index in 0..<count {
            builder.append(
                key: nullKeyAt.contains(index) ? nil : buffer("k\(index)"), value: buffer("v\(index)"),
                timestampDelta: timestampDeltas?[index] ?? 0, offsetDelta: offsetDeltas?[index] ?? Int32(index))
        }
        if offsetDeltas != nil { builder.lastOffsetDelta = Int32(count - 1) }
        edit(&builder)
        return try builder.build()
    }

    static func validator(_ settings: ProduceSettings = ProduceSettings()) -> ProduceValidator {
        ProduceValidator(topicPartition: partition, settings: settings)
    }

    static func request(
        version: Int16 = 9, transactionalId: String? = nil, inTransaction: Bool = false
    ) -> ProduceRequestContext {
        ProduceRequestContext(requestVersion: version, transactionalId: transactionalId) { _, _ in
            inTransaction ? .none : .invalidProducerIdMapping
        }
    }

    /// Validates and returns the rejection, or nil when the batch was accepted.
    static func rejection(
        _ records: ByteBuffer, settings: ProduceSettings = ProduceSettings(), request: ProduceRequestContext = request(),
        now: Int64 = now
    ) -> ProduceRejection? {
        if case .failure(let rejection) = validator(settings).validate(records, request: request, nowMilliseconds: now) {
            return rejection
        }
        return nil
    }

    /// Validates a batch that must be accepted.
    static func accepted(
        _ records: ByteBuffer, settings: ProduceSettings = ProduceSettings(), request: ProduceRequestContext = request(),
        now: Int64 = now
    ) throws -> ValidatedBatch {
        try validator(settings).validate(records, request: request, nowMilliseconds: now).get()
    }

    /// Bytes 21..end: what a broker must store as sent.
    static func crcCovered(_ bytes: ByteBuffer) -> [UInt8] {
        Array(bytes.readableBytesView.dropFirst(21))
    }

    /// Flips the bits of one byte.
    static func flipping(_ bytes: ByteBuffer, at index: Int) -> ByteBuffer {
        var copy = bytes
        let position = copy.readerIndex + index
        copy.setInteger(copy.getInteger(at: position, as: UInt8.self)! ^ 0xFF, at: position)
        return copy
    }

    /// Rewrites a header field and recomputes the CRC, as a mirror or a broken client might.
    static func patched<T: FixedWidthInteger>(_ batch: RecordBatch, at index: Int, _ value: T, fixCRC: Bool = true) -> ByteBuffer {
        var bytes = batch.bytes
        bytes.setInteger(value, at: bytes.readerIndex + index)
        if fixCRC {
            let crc = CRC32C.checksum(bytes, at: bytes.readerIndex + 21, length: bytes.readableBytes - 21)!
            bytes.setInteger(crc, at: bytes.readerIndex + 17)
        }
        return bytes
    }
}
