import CSnappy
import NIOCore

/// Kafka's snappy codec.
///
/// The Java client writes snappy-java's "xerial" framing: an 8-byte magic, a version
/// and a minimum compatible version (int32 each, both 1), then blocks of
/// [int32 compressed length][raw snappy block], each block holding up to 32 KiB of
/// input. librdkafka (kcat) writes one raw snappy block with no framing at all, so the
/// reader accepts both, telling them apart by the magic.
enum Snappy {
    static let xerialMagic: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00]
    /// The xerial header: magic, version 1, minimum compatible version 1.
    static let xerialHeaderSize = 16
    /// snappy-java's default block size, which Kafka's SnappyOutputStream uses.
    static let blockSize = 32 * 1024

    static func compress(_ input: ByteBuffer) throws -> ByteBuffer {
        var output = ByteBuffer()
        let blockCount = (input.readableBytes + blockSize - 1) / blockSize
        output.reserveCapacity(xerialHeaderSize + blockCount * (4 + snappy_max_compressed_length(blockSize)))
        output.writeBytes(xerialMagic)
        output.writeInteger(Int32(1))
        output.writeInteger(Int32(1))

        var remaining = input
        while remaining.readableBytes > 0 {
            let block = remaining.readSlice(length: min(blockSize, remaining.readableBytes))!
            let lengthIndex = output.writerIndex
            output.writeInteger(Int32(0))  // patched below once the compressed size is known
            let bound = snappy_max_compressed_length(block.readableBytes)
            let written = try block.withUnsafeReadableBytes { source in
                try output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                    var length = bound
                    let status = snappy_compress(
                        source.baseAddress!.assumingMemoryBound(to: CChar.self), source.count,
                        target.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
                    guard status == SNAPPY_OK else {
                        throw CompressionCodec.snappy.error("compression failed (status \(status.rawValue))")
                    }
                    return length
                }
            }
            output.setInteger(Int32(written), at: lengthIndex)
        }
        return output
    }

    static func decompress(_ input: ByteBuffer, maxDecompressedSize: Int) throws -> ByteBuffer {
        var output = DecompressionOutput(codec: .snappy, limit: maxDecompressedSize)
        guard input.readableBytesView.starts(with: xerialMagic) else {
            try decompressBlock(input, into: &output)
            return output.buffer
        }
        var remaining = input
        guard remaining.readableBytes >= xerialHeaderSize else {
            throw CompressionCodec.snappy.error("xerial header is truncated")
        }
        remaining.moveReaderIndex(forwardBy: xerialHeaderSize)
        while remaining.readableBytes > 0 {
            // snappy-java reads concatenated streams: a header may follow the last block.
            // No block length is mistaken for it, since the magic read as an int32 is negative.
            if remaining.readableBytesView.starts(with: xerialMagic) {
                guard remaining.readableBytes >= xerialHeaderSize else {
                    throw CompressionCodec.snappy.error("xerial header is truncated")
                }
                remaining.moveReaderIndex(forwardBy: xerialHeaderSize)
                continue
            }
            guard let length = remaining.readInteger(as: Int32.self) else {
                throw CompressionCodec.snappy.error("xerial block length is truncated")
            }
            guard length >= 0, let block = remaining.readSlice(length: Int(length)) else {
                throw CompressionCodec.snappy.error(
                    "xerial block of \(length) bytes but \(remaining.readableBytes) bytes left")
            }
            try decompressBlock(block, into: &output)
        }
        return output.buffer
    }

    /// Decompresses one raw snappy block, whose header states its uncompressed size:
    /// that size is checked against the limit before anything is allocated.
    private static func decompressBlock(_ block: ByteBuffer, into output: inout DecompressionOutput) throws {
        try block.withUnsafeReadableBytes { source in
            let compressed = source.baseAddress?.assumingMemoryBound(to: CChar.self)
            var size = 0
            guard let compressed, snappy_uncompressed_length(compressed, source.count, &size) == SNAPPY_OK else {
                throw CompressionCodec.snappy.error("invalid snappy block header")
            }
            try output.write(exactly: size) { target in
                var length = size
                let status = snappy_uncompress(
                    compressed, source.count, target.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
                guard status == SNAPPY_OK, length == size else {
                    throw CompressionCodec.snappy.error("corrupt snappy block")
                }
                return length
            }
        }
    }
}
