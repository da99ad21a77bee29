import KafkaProtocol
import NIOCore

/// Record batch decoding under the fuzzer: split a fetched `records` blob into
/// batches, check each CRC, decode the records (decompressing with a bounded
/// output) and, for control batches, the markers.
enum FuzzRecords {
    static func decodeAll(_ records: ByteBuffer) {
        var iterator = RecordBatchSequence(records).makeIterator()
        while let batch = try? iterator.next() {
            _ = try? batch.verifyCRC()
            _ = try? batch.records(maxDecompressedSize: 4 << 20)
            if batch.isControl {
                _ = try? batch.controlRecords()
            }
        }
    }
}
