import NIOCore

/// Closes a connection when `IdleStateHandler` reports no traffic for
/// `connections.max.idle.ms`, as Kafka's selector does. This also ends connections
/// that trickle a frame one byte at a time, slower than the idle limit.
final class IdleConnectionCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
