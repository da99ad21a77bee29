import NIOCore

/// The codec of a record batch's records section (attribute bits 0-2).
///
/// A batch compresses all its records as one block; `compress` and `decompress`
/// work on that block. Every decompressor stops at `maxDecompressedSize` bytes, so a
/// small batch that expands to gigabytes (a decompression bomb) costs an error, not
/// the process, and corrupt or truncated input is a `KafkaProtocolError` with kind
/// `.compression`, never a crash.
public enum CompressionCodec: Int16, Sendable, CaseIterable, CustomStringConvertible {
    case none = 0
    case gzip = 1
    case snappy = 2
    case lz4 = 3
    case zstd = 4

    /// The mask of the codec bits in a batch's attributes.
    public static let attributeMask: Int16 = 0x07

    /// The codec named by the low three bits of batch `attributes`; nil for 5, 6 and 7,
    /// which Kafka does not define.
    public init?(attributes: Int16) {
        self.init(rawValue: attributes & Self.attributeMask)
    }

    /// Kafka's name for the codec, as in the `compression.type` topic config.
    public var name: String {
        switch self {
        case .none: "none"
        case .gzip: "gzip"
        case .snappy: "snappy"
        case .lz4: "lz4"
        case .zstd: "zstd"
        }
    }

    public var description: String { name }

    /// Compresses the readable bytes of `input` the way Kafka's Java producer does:
    /// gzip stream, xerial-framed snappy, LZ4 frame with independent 64 KiB blocks,
    /// zstd level 3. `.none` returns `input` unchanged.
    public func compress(_ input: ByteBuffer) throws -> ByteBuffer {
        switch self {
        case .none: input
        case .gzip: try Gzip.compress(input)
        case .snappy: try Snappy.compress(input)
        case .lz4: try LZ4.compress(input)
        case .zstd: try Zstd.compress(input)
        }
    }

    /// Decompresses the readable bytes of `input`.
    ///
    /// - Throws: `KafkaProtocolError` `.compression` when the input is corrupt or
    ///   truncated, or when the output would exceed `maxDecompressedSize` bytes.
    public func decompress(_ input: ByteBuffer, maxDecompressedSize: Int) throws -> ByteBuffer {
        switch self {
        case .none:
            guard input.readableBytes <= maxDecompressedSize else {
                throw DecompressionOutput.limitError(codec: self, limit: maxDecompressedSize)
            }
            return input
        case .gzip: return try Gzip.decompress(input, maxDecompressedSize: maxDecompressedSize)
        case .snappy: return try Snappy.decompress(input, maxDecompressedSize: maxDecompressedSize)
        case .lz4: return try LZ4.decompress(input, maxDecompressedSize: maxDecompressedSize)
        case .zstd: return try Zstd.decompress(input, maxDecompressedSize: maxDecompressedSize)
        }
    }

    /// A `.compression` error for this codec.
    func error(_ message: String) -> KafkaProtocolError {
        KafkaProtocolError(.compression(codec: name, message: message))
    }
}
