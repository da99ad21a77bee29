import KafkaProtocol
import NIOCore

/// The RecordBatch v2 header fields that storage needs, read straight from the bytes.
///
/// Storage treats record batches as opaque bytes that were validated before append.
/// This is the only type that knows the header layout (see KAFKA-RULES.md), so it can be
/// swapped for KafkaProtocol's RecordBatch parser once that lands. All fields are
/// big-endian; `baseOffset` and `partitionLeaderEpoch` lie outside the CRC, which is what
/// lets the log assign them in place.
struct BatchHeader: Hashable, Sendable {
    /// Size of the fixed header in bytes.
    static let size = 61
    /// baseOffset (8) + batchLength (4): the bytes that `batchLength` does not count
    /// (Kafka's `LOG_OVERHEAD`).
    static let logOverhead = 12
    /// The only batch format Kafka 4.0 accepts.
    static let supportedMagic: Int8 = 2
    /// "No timestamp" (Kafka's `RecordBatch.NO_TIMESTAMP`).
    static let noTimestamp: Int64 = -1

    static let partitionLeaderEpochOffset = 12
    static let magicOffset = 16
    static let crcOffset = 17
    /// The CRC-32C covers the bytes from here (attributes) to the end of the batch.
    static let crcCoveredStart = 21

    var baseOffset: Int64
    var batchLength: Int32
    var partitionLeaderEpoch: Int32
    var magic: Int8
    var crc: UInt32
    var attributes: Int16
    var lastOffsetDelta: Int32
    var baseTimestamp: Int64
    var maxTimestamp: Int64
    var producerId: Int64
    var producerEpoch: Int16
    var baseSequence: Int32
    var recordCount: Int32

    /// The whole batch's size in bytes, header included.
    var totalSize: Int { Int(batchLength) + Self.logOverhead }
    var lastOffset: Int64 { baseOffset + Int64(lastOffsetDelta) }
    var nextOffset: Int64 { lastOffset + 1 }

    /// Reads the header at absolute `index` of `buffer`; nil when fewer than 61 bytes are there.
    init?(from buffer: ByteBuffer, at index: Int) {
        guard index >= buffer.readerIndex, index + Self.size <= buffer.writerIndex else { return nil }
        func field<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            buffer.getInteger(at: index + offset, endianness: .big, as: T.self)!
        }
        baseOffset = field(0, Int64.self)
        batchLength = field(8, Int32.self)
        partitionLeaderEpoch = field(12, Int32.self)
        magic = field(16, Int8.self)
        crc = field(17, UInt32.self)
        attributes = field(21, Int16.self)
        lastOffsetDelta = field(23, Int32.self)
        baseTimestamp = field(27, Int64.self)
        maxTimestamp = field(35, Int64.self)
        producerId = field(43, Int64.self)
        producerEpoch = field(51, Int16.self)
        baseSequence = field(53, Int32.self)
        recordCount = field(57, Int32.self)
    }

    /// The total size of the batch at `index` from its first 12 bytes alone; nil when
    /// fewer are there. The value is untrusted until checked against the data.
    static func totalSize(in buffer: ByteBuffer, at index: Int) -> Int? {
        guard index >= buffer.readerIndex, index + logOverhead <= buffer.writerIndex,
              let length = buffer.getInteger(at: index + 8, endianness: .big, as: Int32.self)
        else { return nil }
        return Int(length) + logOverhead
    }

    /// What makes this header unusable regardless of the bytes after it, or nil.
    var structuralProblem: String? {
        if magic != Self.supportedMagic { return "magic \(magic), expected \(Self.supportedMagic)" }
        if totalSize < Self.size { return "batch length \(batchLength) is below the header size" }
        if lastOffsetDelta < 0 { return "negative lastOffsetDelta \(lastOffsetDelta)" }
        return nil
    }

    /// Assigns the offset and leader epoch of the batch at `index` in place.
    static func assign(baseOffset: Int64, partitionLeaderEpoch: Int32, in buffer: inout ByteBuffer, at index: Int) {
        buffer.setInteger(baseOffset, at: index, endianness: .big)
        buffer.setInteger(partitionLeaderEpoch, at: index + partitionLeaderEpochOffset, endianness: .big)
    }

    /// Whether the stored CRC of the batch at `index` matches its bytes 21..end. The
    /// whole batch (`totalSize` bytes) must be readable.
    static func hasValidChecksum(_ buffer: ByteBuffer, at index: Int, totalSize: Int) -> Bool {
        guard let stored = buffer.getInteger(at: index + crcOffset, endianness: .big, as: UInt32.self),
              index + totalSize <= buffer.writerIndex
        else { return false }
        return checksum(of: buffer, at: index, totalSize: totalSize) == stored
    }

    /// CRC-32C (Castagnoli) of bytes 21..end of the batch at `index`, with the
    /// codec's hardware-accelerated implementation.
    static func checksum(of buffer: ByteBuffer, at index: Int, totalSize: Int) -> UInt32 {
        CRC32C.checksum(buffer, at: index + crcCoveredStart, length: totalSize - crcCoveredStart) ?? 0
    }
}
