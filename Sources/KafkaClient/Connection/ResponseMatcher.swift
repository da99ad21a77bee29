import KafkaProtocol
import NIOCore

/// A request on its way out: its frame (correlation id stamped) and where the answer goes.
struct OutboundRequest: Sendable {
    var frame: ByteBuffer
    var correlationID: Int32
    /// False for a Produce with acks=0: the broker sends nothing back.
    var expectsResponse: Bool
    var promise: EventLoopPromise<ByteBuffer>
}

/// Pipelines requests on one connection and hands each response frame to its request.
///
/// Kafka answers requests on a connection in the order they were sent, so pending
/// requests wait in a FIFO, in the order they reach the socket. Each frame carries a
/// unique correlation id, stamped by the caller when it encoded the frame (stamping it
/// here would copy the frame, which the caller still references); the handler checks
/// that every response carries the id at the head of the queue: a mismatch means the
/// stream is out of step, and the connection is closed rather than hand a response to
/// the wrong request.
final class ResponseMatcher: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutboundRequest
    typealias OutboundOut = ByteBuffer

    private var pending = CircularBuffer<(correlationID: Int32, promise: EventLoopPromise<ByteBuffer>)>()

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if request.expectsResponse {
            pending.append((request.correlationID, request.promise))
            context.write(wrapOutboundOut(request.frame), promise: promise)
        } else {
            let written = context.eventLoop.makePromise(of: Void.self)
            let requestPromise = request.promise
            written.futureResult.whenComplete { result in
                switch result {
                case .success: requestPromise.succeed(ByteBuffer())
                case .failure(let error): requestPromise.fail(error)
                }
            }
            context.write(wrapOutboundOut(request.frame), promise: written)
            written.futureResult.cascade(to: promise)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let head = pending.first else {
            fail(context: context, KafkaClientError(.protocolViolation("a response arrived with no request pending")))
            return
        }
        guard let correlationID = frame.getInteger(at: frame.readerIndex, endianness: .big, as: Int32.self),
            correlationID == head.correlationID
        else {
            fail(context: context, KafkaClientError(.protocolViolation("response correlation id out of order")))
            return
        }
        pending.removeFirst()
        head.promise.succeed(frame)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(KafkaClientError(.connectionFailed("connection closed by the broker")))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, error)
    }

    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        while let head = pending.popFirst() {
            head.promise.fail(error)
        }
    }
}
