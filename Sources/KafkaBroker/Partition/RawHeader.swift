import KafkaProtocol
import NIOCore

/// Header fields read straight from bytes that may not be a valid batch yet.
///
/// `RecordBatch` refuses bytes with undefined codec bits, but Kafka checks baseOffset,
/// size and CRC before it looks at the codec, so those checks read the fields here.
/// Fields past the end of the bytes read as 0.
struct RawHeader {
    var baseOffset: Int64
    var batchLength: Int32
    var magic: Int8
    var crc: UInt32
    var attributes: Int16
    var producerId: Int64
    var producerEpoch: Int16

    init(_ bytes: ByteBuffer) {
        func field<T: FixedWidthInteger>(_ position: Int, _: T.Type = T.self) -> T {
            bytes.getInteger(at: bytes.readerIndex + position, as: T.self) ?? 0
        }
        baseOffset = field(0)
        batchLength = field(8)
        magic = field(16)
        crc = field(17)
        attributes = field(21)
        producerId = field(43)
        producerEpoch = field(51)
    }

    var totalSize: Int { Int(batchLength) + RecordBatch.logOverhead }
    /// Attribute bit 4 (KAFKA-RULES.md, header table).
    var isTransactional: Bool { attributes & 0x10 != 0 }
}
