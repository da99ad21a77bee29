import NIOCore

/// Builds RecordBatch v2 bytes for storage tests. Storage never parses records, so the
/// "records" are just `payloadSize` filler bytes; the header and the CRC are real.
enum TestBatch {
    /// A batch with `recordCount` records, baseOffset 0, CRC-32C over bytes 21..end.
    static func make(
        recordCount: Int32 = 1, baseTimestamp: Int64 = 1_000, maxTimestamp: Int64? = nil,
        payloadSize: Int = 20, fill: UInt8 = 0xAB, producerId: Int64 = -1
    ) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 61 + payloadSize)
        buffer.writeInteger(Int64(0), endianness: .big)                    // baseOffset
        buffer.writeInteger(Int32(49 + payloadSize), endianness: .big)     // batchLength
        buffer.writeInteger(Int32(-1), endianness: .big)                   // partitionLeaderEpoch
        buffer.writeInteger(Int8(2))                                       // magic
        buffer.writeInteger(UInt32(0), endianness: .big)                   // crc, set below
        buffer.writeInteger(Int16(0), endianness: .big)                    // attributes
        buffer.writeInteger(recordCount - 1, endianness: .big)             // lastOffsetDelta
        buffer.writeInteger(baseTimestamp, endianness: .big)
        buffer.writeInteger(maxTimestamp ?? baseTimestamp, endianness: .big)
        buffer.writeInteger(producerId, endianness: .big)
        buffer.writeInteger(Int16(-1), endianness: .big)                   // producerEpoch
        buffer.writeInteger(Int32(-1), endianness: .big)                   // baseSequence
        buffer.writeInteger(recordCount, endianness: .big)
        buffer.writeRepeatingByte(fill, count: payloadSize)
        buffer.setInteger(crc32c(Array(buffer.readableBytesView.dropFirst(21))), at: 17, endianness: .big)
        return buffer
    }

    /// Bitwise CRC-32C (Castagnoli, reflected 0x82F63B78): slow and obviously right,
    /// independent of the table-driven one in storage.
    static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }

    /// (baseOffset, size) of each batch in `buffer`, read from the header bytes.
    static func batches(in buffer: ByteBuffer) -> [(baseOffset: Int64, size: Int)] {
        var result: [(Int64, Int)] = []
        var index = buffer.readerIndex
        while index + 12 <= buffer.writerIndex {
            let base = buffer.getInteger(at: index, endianness: .big, as: Int64.self)!
            let size = Int(buffer.getInteger(at: index + 8, endianness: .big, as: Int32.self)!) + 12
            result.append((base, size))
            index += size
        }
        return result
    }

    /// `batch` as the log stores it: baseOffset and partitionLeaderEpoch assigned.
    static func stored(_ batch: ByteBuffer, baseOffset: Int64, epoch: Int32) -> ByteBuffer {
        var copy = batch
        copy.setInteger(baseOffset, at: copy.readerIndex, endianness: .big)
        copy.setInteger(epoch, at: copy.readerIndex + 12, endianness: .big)
        return copy
    }
}
