import CZstd
import NIOCore

/// Kafka's zstd codec: standard zstd frames. Written at level 3 (Kafka's default);
/// read with the streaming decoder because frames written by a streaming encoder (as
/// the Java client's are) do not declare their content size.
enum Zstd {
    static let level: Int32 = 3

    static func compress(_ input: ByteBuffer) throws -> ByteBuffer {
        var output = ByteBuffer()
        try input.withUnsafeReadableBytes { source in
            let bound = ZSTD_compressBound(source.count)
            try output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                let written = ZSTD_compress(target.baseAddress, bound, source.baseAddress, source.count, level)
                guard ZSTD_isError(written) == 0 else { throw error(written) }
                return written
            }
        }
        return output
    }

    /// Memory use is bounded by `maxDecompressedSize` for the output, and by zstd's
    /// default window limit (128 MiB, `ZSTD_WINDOWLOG_LIMIT_DEFAULT`) for the decoder.
    static func decompress(_ input: ByteBuffer, maxDecompressedSize: Int) throws -> ByteBuffer {
        guard let context = ZSTD_createDCtx() else {
            throw CompressionCodec.zstd.error("cannot allocate a decompression context")
        }
        defer { ZSTD_freeDCtx(context) }

        var output = DecompressionOutput(codec: .zstd, limit: maxDecompressedSize, expectedSize: input.readableBytes * 4)
        try input.withUnsafeReadableBytes { source in
            guard source.count > 0 else {
                throw CompressionCodec.zstd.error("compressed data is empty")
            }
            var inBuffer = ZSTD_inBuffer(src: source.baseAddress, size: source.count, pos: 0)
            while true {
                var remainingHint = 0
                let consumedBefore = inBuffer.pos
                let produced = try output.write { target in
                    var outBuffer = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
                    remainingHint = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                    guard ZSTD_isError(remainingHint) == 0 else { throw error(remainingHint) }
                    return outBuffer.pos
                }
                let finished = inBuffer.pos == inBuffer.size
                if remainingHint == 0 {
                    // A frame ended and was flushed; concatenated frames decode as one stream.
                    if finished { return }
                } else if finished && produced == 0 && inBuffer.pos == consumedBefore {
                    throw CompressionCodec.zstd.error("compressed data is truncated")
                }
            }
        }
        return output.buffer
    }

    private static func error(_ code: Int) -> KafkaProtocolError {
        CompressionCodec.zstd.error(String(cString: ZSTD_getErrorName(code)))
    }
}
