import KafkaProtocol
import NIOCore

/// A request on its way out: its frame (correlation id still 0) and where the answer goes.
struct OutboundRequest: Sendable {
    var frame: ByteBuffer
    /// False for a Produce with acks=0: the broker sends nothing back.
    var expectsResponse: Bool
    var promise: EventLoopPromise<ByteBuffer>
}

/// Pipelines requests on one connection and hands each response frame to its request.
///
/// Kafka answers requests on a connection in the order they were sent, so pending
/// requests wait in a FIFO. The handler stamps each frame with the next correlation id
/// (bytes 8..11 of the frame: size, api key, api version, then the id) on the event
/// loop, so ids are unique and ordered without a lock, and checks that every response
/// carries the id at the head of the queue: a mismatch means the stream is out of step,
/// and the connection is closed rather than hand a response to the wrong request.
final class ResponseMatcher: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutboundRequest
    typealias OutboundOut = ByteBuffer

    private var pending = CircularBuffer<(correlationID: Int32, promise: EventLoopPromise<ByteBuffer>)>()
    private var nextCorrelationID: Int32 = 1

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        var request = unwrapOutboundIn(data)
        let correlationID = nextCorrelationID
        nextCorrelationID = nextCorrelationID == Int32.max ? 1 : nextCorrelationID + 1
        request.frame.setInteger(correlationID, at: request.frame.readerIndex + 8, endianness: .big)
        if request.expectsResponse {
            pending.append((correlationID, request.promise))
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
