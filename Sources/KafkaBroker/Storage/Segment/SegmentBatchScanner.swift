import NIOCore

/// Walks the batches of a segment file forward from a position, reading it in chunks.
///
/// Used by recovery (with CRC checks), by reads to find the batch holding an offset and
/// by timestamp lookups. It stops at the first thing that is not a whole, well-formed
/// batch and reports where, which is where recovery truncates.
struct SegmentBatchScanner {
    enum Step {
        /// A batch starting at `position`; `bytes` holds exactly the batch when the scan
        /// verifies checksums, and is nil otherwise.
        case batch(BatchHeader, position: Int, bytes: ByteBuffer?)
        /// The scan reached `end` exactly at a batch boundary.
        case end
        /// The bytes at `position` are not a complete, valid batch.
        case invalid(position: Int, reason: String)
    }

    private let file: any LogFile
    private let end: Int
    private let chunkSize: Int
    /// The position of the next batch.
    private(set) var position: Int
    private var chunk: ByteBuffer
    /// File position of the chunk's first readable byte.
    private var chunkStart = 0

    init(file: any LogFile, from position: Int, end: Int, chunkSize: Int = 64 * 1024) {
        self.file = file
        self.position = position
        self.end = end
        self.chunkSize = chunkSize
        self.chunk = ByteBuffer()
    }

    /// The next batch, the end, or the first invalid bytes. After `.invalid` the scanner
    /// stays where it is.
    mutating func next(verifyingChecksum: Bool) throws -> Step {
        if position == end { return .end }
        guard end - position >= BatchHeader.logOverhead else {
            return .invalid(position: position, reason: "\(end - position) trailing bytes are not a batch header")
        }
        guard let start = try ensure(BatchHeader.logOverhead), let total = BatchHeader.totalSize(in: chunk, at: start) else {
            return .invalid(position: position, reason: "file is shorter than expected")
        }
        guard total >= BatchHeader.size else {
            return .invalid(position: position, reason: "batch size \(total) is below the header size")
        }
        guard total <= end - position else {
            return .invalid(position: position, reason: "batch of \(total) bytes runs past the end (\(end - position) left)")
        }
        let needed = verifyingChecksum ? total : BatchHeader.size
        guard let index = try ensure(needed), let header = BatchHeader(from: chunk, at: index) else {
            return .invalid(position: position, reason: "file is shorter than expected")
        }
        if let problem = header.structuralProblem {
            return .invalid(position: position, reason: problem)
        }
        var bytes: ByteBuffer?
        if verifyingChecksum {
            guard BatchHeader.hasValidChecksum(chunk, at: index, totalSize: total) else {
                return .invalid(position: position, reason: "CRC-32C mismatch")
            }
            bytes = chunk.getSlice(at: index, length: total)
        }
        let batchPosition = position
        position += total
        return .batch(header, position: batchPosition, bytes: bytes)
    }

    /// Makes `count` bytes from `position` readable in `chunk` and returns their index,
    /// or nil when the file holds fewer.
    private mutating func ensure(_ count: Int) throws -> Int? {
        let chunkEnd = chunkStart + chunk.readableBytes
        if position >= chunkStart && position + count <= chunkEnd {
            return chunk.readerIndex + (position - chunkStart)
        }
        let length = min(max(count, chunkSize), end - position)
        chunk = try file.read(at: Int64(position), count: length)
        chunkStart = position
        return chunk.readableBytes >= count ? chunk.readerIndex : nil
    }
}
