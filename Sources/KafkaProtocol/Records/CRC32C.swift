import CCRC32C
import NIOCore

/// CRC-32C (Castagnoli), the checksum of a v2 record batch (bytes 21..end).
///
/// Uses the CPU's CRC instructions when it has them (SSE4.2 on x86_64, the CRC
/// extension on arm64) and a slice-by-8 table otherwise; both give the same values.
/// Checksums are the finished CRC value, so `extend(checksum(a), b) == checksum(a + b)`.
public enum CRC32C {
    /// Which implementation is in use: `"sse4.2"`, `"armv8-crc"` or `"portable"`.
    public static var implementation: String {
        String(cString: ccrc32c_implementation())
    }

    /// The CRC-32C of `bytes`.
    @inlinable
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        extend(0, bytes)
    }

    /// Continues the checksum `crc` of earlier bytes over `bytes`.
    @inlinable
    public static func extend(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return ccrc32c_extend(crc, base, bytes.count)
    }

    /// The CRC-32C of the readable bytes of `buffer`.
    @inlinable
    public static func checksum(_ buffer: ByteBuffer) -> UInt32 {
        extend(0, buffer)
    }

    /// Continues the checksum `crc` of earlier bytes over the readable bytes of `buffer`.
    @inlinable
    public static func extend(_ crc: UInt32, _ buffer: ByteBuffer) -> UInt32 {
        buffer.withUnsafeReadableBytes { extend(crc, $0) }
    }

    /// The CRC-32C of `length` bytes of `buffer` starting at the absolute index `index`
    /// (as in `ByteBuffer.getBytes(at:length:)`); nil if that range is not readable.
    @inlinable
    public static func checksum(_ buffer: ByteBuffer, at index: Int, length: Int) -> UInt32? {
        guard let slice = buffer.getSlice(at: index, length: length) else { return nil }
        return checksum(slice)
    }

    /// The table-driven implementation, whatever the CPU: tests compare it with the
    /// dispatched one, and `causeway bench codec` measures both.
    public static func portableExtend(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress else { return crc }
        return ccrc32c_extend_portable(crc, base, bytes.count)
    }
}
