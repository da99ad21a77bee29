import KafkaProtocol
import NIOCore

extension LogSegment {
    /// Calls `body` with each batch of the segment in order, CRC-checked. The cleaner
    /// reads whole segments this way, one batch in memory at a time (plus a 64 KiB chunk).
    func forEachBatch(_ body: (RecordBatch) throws -> Void) throws {
        var scanner = SegmentBatchScanner(file: logFile, from: 0, end: sizeInBytes)
        while true {
            switch try scanner.next(verifyingChecksum: true) {
            case .batch(_, _, let bytes?):
                try body(try RecordBatch(validating: bytes))
            case .batch(_, let position, nil):
                throw StorageError(.corruptLog("no bytes for the batch at position \(position)"), path: logPath)
            case .end:
                return
            case .invalid(let position, let reason):
                throw StorageError(.corruptLog("\(reason) at position \(position)"), path: logPath)
            }
        }
    }
}
