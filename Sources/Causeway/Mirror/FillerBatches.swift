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
            var builder = RecordBatchBuilder(baseTimestamp: FillerRecord.timestamp, codec: codec, baseOffset: base)
            for delta in 0..<Int32(count) {
                builder.append(FillerRecord.record(offsetDelta: delta, baseTimestamp: FillerRecord.timestamp))
            }
            let batch = try builder.build()
            plans.append(
                BatchPlan(kind: .fillers(reason), baseOffset: base, offsetCount: Int64(count), batch: batch, sourceBytes: 0))
            base += Int64(count)
        }
        return plans
    }
}
