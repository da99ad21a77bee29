import CLZ4
import NIOCore

/// Kafka's lz4 codec: the LZ4 frame format (not the raw block format), as Kafka's
/// `Lz4BlockOutputStream` writes it: independent blocks of at most 64 KiB, no block
/// or content checksum and no content size in the frame descriptor.
enum LZ4 {
    static func compress(_ input: ByteBuffer) throws -> ByteBuffer {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max64KB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum
        preferences.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum

        var output = ByteBuffer()
        try input.withUnsafeReadableBytes { source in
            let bound = LZ4F_compressFrameBound(source.count, &preferences)
            try output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                let written = LZ4F_compressFrame(target.baseAddress, bound, source.baseAddress, source.count, &preferences)
                guard LZ4F_isError(written) == 0 else { throw error(written) }
                return written
            }
        }
        return output
    }

    static func decompress(_ input: ByteBuffer, maxDecompressedSize: Int) throws -> ByteBuffer {
        var context: OpaquePointer?
        let created = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
        guard LZ4F_isError(created) == 0, let context else { throw error(created) }
        defer { LZ4F_freeDecompressionContext(context) }

        var output = DecompressionOutput(codec: .lz4, limit: maxDecompressedSize, expectedSize: input.readableBytes * 4)
        try input.withUnsafeReadableBytes { source in
            guard source.count > 0 else {
                throw CompressionCodec.lz4.error("compressed data is empty")
            }
            var consumed = 0
            while true {
                var hint = 0
                var consumedNow = 0
                let produced = try output.write { target in
                    var targetSize = target.count
                    var sourceSize = source.count - consumed
                    hint = LZ4F_decompress(
                        context, target.baseAddress, &targetSize, source.baseAddress! + consumed, &sourceSize, nil)
                    guard LZ4F_isError(hint) == 0 else { throw error(hint) }
                    consumedNow = sourceSize
                    return targetSize
                }
                consumed += consumedNow
                if hint == 0 {
                    // A frame ended; concatenated frames decode as one stream.
                    if consumed == source.count { return }
                } else if consumed == source.count && produced == 0 && consumedNow == 0 {
                    // The decoder wants more input and has nothing buffered to flush.
                    throw CompressionCodec.lz4.error("compressed data is truncated")
                }
            }
        }
        return output.buffer
    }

    private static func error(_ code: Int) -> KafkaProtocolError {
        CompressionCodec.lz4.error(String(cString: LZ4F_getErrorName(code)))
    }
}
