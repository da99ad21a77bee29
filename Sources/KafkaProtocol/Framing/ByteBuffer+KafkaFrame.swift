import NIOCore

extension ByteBuffer {
    /// Writes a frame: a 4-byte big-endian size, then what `writeBody` writes.
    ///
    /// The size is filled in after the body is written, so the body is never copied.
    public mutating func writeKafkaFrame(_ writeBody: (inout ByteBuffer) -> Void) {
        let sizeIndex = writerIndex
        writeInteger(Int32(0), endianness: .big)
        writeBody(&self)
        let size = writerIndex - sizeIndex - 4
        setInteger(Int32(truncatingIfNeeded: size), at: sizeIndex, endianness: .big)
    }
}
