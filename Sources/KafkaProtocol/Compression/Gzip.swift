import CZlib
import NIOCore

/// Kafka's gzip codec: a gzip stream (RFC 1952) from zlib, as Java's `GZIPOutputStream` writes.
enum Gzip {
    /// windowBits 15 (32 KiB window) + 16: write a gzip header and trailer, not a zlib one.
    private static let gzipWindowBits: Int32 = 15 + 16
    /// windowBits 15 + 32: accept both gzip and zlib headers when reading.
    private static let autodetectWindowBits: Int32 = 15 + 32

    static func compress(_ input: ByteBuffer) throws -> ByteBuffer {
        var stream = z_stream()
        var status = deflateInit2_(
            &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzipWindowBits, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw error(status, stream) }
        defer { deflateEnd(&stream) }

        var output = ByteBuffer()
        try input.withUnsafeReadableBytes { source in
            // deflateBound is the worst case for the whole input, so one Z_FINISH call suffices.
            let bound = Int(deflateBound(&stream, uLong(source.count)))
            stream.next_in = source.baseAddress.map {
                UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
            }
            stream.avail_in = uInt(source.count)
            try output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                stream.next_out = target.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(bound)
                status = deflate(&stream, Z_FINISH)
                guard status == Z_STREAM_END else { throw error(status, stream) }
                return bound - Int(stream.avail_out)
            }
        }
        return output
    }

    static func decompress(_ input: ByteBuffer, maxDecompressedSize: Int) throws -> ByteBuffer {
        var stream = z_stream()
        let initStatus = inflateInit2_(
            &stream, autodetectWindowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { throw error(initStatus, stream) }
        defer { inflateEnd(&stream) }

        var output = DecompressionOutput(codec: .gzip, limit: maxDecompressedSize, expectedSize: input.readableBytes * 4)
        try input.withUnsafeReadableBytes { source in
            stream.next_in = source.baseAddress.map {
                UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
            }
            stream.avail_in = uInt(source.count)
            while true {
                var status = Z_OK
                let produced = try output.write { target in
                    stream.next_out = target.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(target.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return target.count - Int(stream.avail_out)
                }
                switch status {
                case Z_STREAM_END:
                    // Java's GZIPInputStream, which Kafka uses, reads concatenated gzip
                    // members as one stream and ignores trailing bytes that do not start
                    // another member; do the same so anything Kafka accepts decodes here.
                    guard stream.avail_in >= 2, stream.next_in[0] == 0x1F, stream.next_in[1] == 0x8B else { return }
                    inflateReset(&stream)
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0 && produced == 0:
                    throw CompressionCodec.gzip.error("compressed data is truncated")
                default:
                    throw error(status, stream)
                }
            }
        }
        return output.buffer
    }

    private static func error(_ status: Int32, _ stream: z_stream) -> KafkaProtocolError {
        let detail = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
        return CompressionCodec.gzip.error(detail)
    }
}
