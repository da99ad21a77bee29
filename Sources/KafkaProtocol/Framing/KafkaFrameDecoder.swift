import NIOCore

/// Splits a byte stream into Kafka frames: a 4-byte big-endian size, then that many bytes.
///
/// Emits each frame's bytes without the size prefix, as a slice of the inbound
/// buffer (no copy). A negative size or one above `maximumFrameSize` is an error
/// before any byte of the frame is buffered, so a peer cannot make us allocate
/// more than the limit; the channel pipeline then closes the connection.
public struct KafkaFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    /// Kafka's default `socket.request.max.bytes` is 100 MiB.
    public static let defaultMaximumFrameSize = 100 * 1024 * 1024

    public let maximumFrameSize: Int

    public init(maximumFrameSize: Int = KafkaFrameDecoder.defaultMaximumFrameSize) {
        self.maximumFrameSize = maximumFrameSize
    }

    /// Returns the next whole frame, or nil when more bytes are needed.
    public mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard let size = buffer.getInteger(at: buffer.readerIndex, endianness: .big, as: Int32.self) else {
            return nil
        }
        guard size >= 0, Int(size) <= maximumFrameSize else {
            throw KafkaProtocolError(
                .frameTooLarge(size: Int64(size), maximum: maximumFrameSize), offset: buffer.readerIndex)
        }
        guard buffer.readableBytes >= 4 + Int(size) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(size))
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decode(buffer: &buffer)
    }
}
