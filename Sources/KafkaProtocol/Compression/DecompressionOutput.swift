import NIOCore

/// Collects a decompressor's output into a `ByteBuffer` without ever holding more
/// than the caller's limit.
///
/// Streaming decompressors write into whatever space they are given. Handing them
/// at most `limit - written + 1` bytes means that one byte too many is detected the
/// moment it is produced, and the buffer never grows past the limit (plus the
/// power-of-two rounding of `ByteBuffer`'s storage).
struct DecompressionOutput {
    /// Bytes offered to the decompressor per call, so the first allocation is small
    /// even when the limit is large.
    static let chunkSize = 64 * 1024

    private(set) var buffer: ByteBuffer
    let codec: CompressionCodec
    let limit: Int

    init(codec: CompressionCodec, limit: Int, expectedSize: Int = 0) {
        self.codec = codec
        self.limit = max(0, limit)
        self.buffer = ByteBuffer()
        buffer.reserveCapacity(min(max(expectedSize, 0), self.limit))
    }

    /// How many more bytes may be written before the limit is crossed.
    var remaining: Int { limit - buffer.readableBytes }

    /// Calls `body` with writable space and appends what it reports as written.
    ///
    /// The space is at most `chunkSize` bytes and at most one byte beyond the limit.
    /// Returns the number of bytes written; throws once the output passes the limit.
    @discardableResult
    mutating func write(_ body: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> Int {
        let space = min(Self.chunkSize, remaining + 1)
        let written = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: space) { writable in
            try body(UnsafeMutableRawBufferPointer(rebasing: writable[0..<space]))
        }
        if buffer.readableBytes > limit {
            throw Self.limitError(codec: codec, limit: limit)
        }
        return written
    }

    /// Appends bytes decompressed by a one-shot decoder that knows its output size up front.
    mutating func write(exactly count: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Int) throws {
        guard count <= remaining else { throw Self.limitError(codec: codec, limit: limit) }
        guard count > 0 else { return }
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { writable in
            try body(UnsafeMutableRawBufferPointer(rebasing: writable[0..<count]))
        }
    }

    static func limitError(codec: CompressionCodec, limit: Int) -> KafkaProtocolError {
        codec.error("decompressed size exceeds the limit of \(limit) bytes")
    }
}
