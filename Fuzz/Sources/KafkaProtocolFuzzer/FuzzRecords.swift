import KafkaProtocol
import NIOCore

/// Record batch decoding under the fuzzer (wired up once the RecordBatch API lands).
enum FuzzRecords {
    static func decodeAll(_ records: ByteBuffer) {
        _ = records
    }
}
