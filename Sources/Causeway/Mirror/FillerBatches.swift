import KafkaProtocol
import NIOCore

/// Batches of filler records only, covering a range of offsets no source batch covers.
///
/// Used for the bootstrap (a source log start N > 0 when mirroring begins: "N filler
/// offsets in a few compressed batches, then DeleteRecords(N)", DESIGN.md), for gaps
/// between source batches, for orphan markers and for offsets lost to source retention.
///
/// A filler is ~26 bytes before compression (`FillerRecord`) and fillers differ only in
/// their offset delta, so zstd shrinks 200,000 of them to a few kilobytes: a million
/// offsets take five small batches. Brokers decompress a compressed batch to validate
/// it, so batches are capped in records rather than made arbitrarily large.
public enum FillerBatches {
    /// Records per filler batch unless told otherwise: 1,000,000 offsets in 5 batches.
    public static let defaultRecordsPerBatch = 200_000

    /// Filler batches covering exactly the offsets `[start, end)`, in order, each with at
    /// most `maxRecordsPerBatch` records at offset deltas 0, 1, 2, ... (contiguous, so a
    /// broker assigns offsets in place and does not rebuild them, KAFKA-RULES rule 12).
    ///
    /// Producer fields are -1 (no sequence), timestamps -1 (`FillerRecord.timestamp`).
    /// Empty when `start >= end`.
    public static func make(
        from start: Int64, to end: Int64, reason: BatchPlan.FillerReason,
        maxRecordsPerBatch: Int = defaultRecordsPerBatch, codec: CompressionCodec = .zstd
    ) throws -> [BatchPlan] {
        precondition(maxRecordsPerBatch > 0 && maxRecordsPerBatch <= Int(Int32.max), "maxRecordsPerBatch out of range")
        var plans: [BatchPlan] = []
        var base = start
        while base < end {
            let count = Int(min(Int64(maxRecordsPerBatch), end - base))
            let batch = try batch(baseOffset: base, count: count, codec: codec)
            plans.append(
                BatchPlan(kind: .fillers(reason), baseOffset: base, offsetCount: Int64(count), batch: batch, sourceBytes: 0))
            base += Int64(count)
        }
        return plans
    }

    /// One batch of `count` fillers at `baseOffset`: byte for byte what
    /// `RecordBatchBuilder` makes of `FillerRecord.record(offsetDelta:baseTimestamp: -1)`
    /// at deltas 0..<count (the tests compare them), written directly because a bootstrap
    /// encodes millions of identical records and the generic path builds a `Record` each.
    static func batch(baseOffset: Int64, count: Int, codec: CompressionCodec) throws -> RecordBatch {
        precondition(count > 0)
        var records = ByteBuffer()
        let key = Array(FillerRecord.key.readableBytesView)
        // Each record: length, attributes 0, timestampDelta 0, offsetDelta, key length,
        // key, value length -1, header count 0; varints zigzag-encoded.
        let maximumRecordSize = 1 + 1 + 1 + 5 + 1 + key.count + 1 + 1
        records.writeWithUnsafeMutableBytes(minimumWritableBytes: count * maximumRecordSize) { pointer in
            var index = 0
            for delta in 0..<UInt32(count) {
                var zigzag = delta << 1
                let deltaSize = zigzag < 1 << 7 ? 1 : zigzag < 1 << 14 ? 2 : zigzag < 1 << 21 ? 3 : zigzag < 1 << 28 ? 4 : 5
                let bodyLength = 1 + 1 + deltaSize + 1 + key.count + 1 + 1  // < 64: one varint byte
                pointer[index] = UInt8(bodyLength << 1)
                pointer[index + 1] = 0  // attributes
                pointer[index + 2] = 0  // timestampDelta 0: the batch's baseTimestamp is already -1
                index += 3
                while zigzag >= 0x80 {
                    pointer[index] = UInt8(truncatingIfNeeded: zigzag) | 0x80
                    zigzag >>= 7
                    index += 1
                }
                pointer[index] = UInt8(zigzag)
                pointer[index + 1] = UInt8(key.count << 1)
                index += 2
                for byte in key {
                    pointer[index] = byte
                    index += 1
                }
                pointer[index] = 1  // value length -1: null
                pointer[index + 1] = 0  // no headers
                index += 2
            }
            return index
        }
        let section = try codec.compress(records)

        var bytes = ByteBuffer()
        bytes.reserveCapacity(RecordBatch.headerSize + section.readableBytes)
        bytes.writeInteger(baseOffset)
        bytes.writeInteger(Int32(RecordBatch.headerSize - RecordBatch.logOverhead + section.readableBytes))
        bytes.writeInteger(Int32(-1))  // partitionLeaderEpoch
        bytes.writeInteger(RecordBatch.currentMagic)
        bytes.writeInteger(UInt32(0))  // CRC, below
        bytes.writeInteger(RecordBatchAttributes(codec: codec).rawValue)
        bytes.writeInteger(Int32(count - 1))  // lastOffsetDelta
        bytes.writeInteger(FillerRecord.timestamp)  // baseTimestamp
        bytes.writeInteger(FillerRecord.timestamp)  // maxTimestamp
        bytes.writeInteger(Int64(-1))  // producerId
        bytes.writeInteger(Int16(-1))  // producerEpoch
        bytes.writeInteger(Int32(-1))  // baseSequence
        bytes.writeInteger(Int32(count))
        bytes.writeImmutableBuffer(section)
        let crcStart = bytes.readerIndex + 21
        bytes.setInteger(CRC32C.checksum(bytes, at: crcStart, length: bytes.writerIndex - crcStart)!, at: bytes.readerIndex + 17)
        return try RecordBatch(validating: bytes)
    }
}
