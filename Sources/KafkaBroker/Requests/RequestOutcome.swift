import NIOCore

/// What a connection does after a request was handled.
enum RequestOutcome: Sendable {
    /// Write this response frame.
    case respond(ByteBuffer)
    /// Send nothing (a Produce with acks=0).
    case noResponse
    /// Close the connection, as Kafka does for a request it cannot parse or serve.
    case close(reason: String)
    /// Write this response, then close: a refused SASL authentication.
    case respondThenClose(ByteBuffer, reason: String)
}
