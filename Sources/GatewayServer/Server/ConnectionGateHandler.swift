import Dialects
import GatewayModel
import NIOCore

/// First in every connection's pipeline, on raw bytes: admits the connection under
/// `max_connections` (past it: a 503 in OpenAI's shape and a close, at once — the server never
/// stops accepting, so a flood can't leave well-behaved clients hanging in the backlog), and
/// tells the deadline handler when bytes of a new request start to arrive, and signals
/// ``EndNotice`` when the client closes its side or the connection goes.
final class ConnectionGateHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let limits: ConnectionLimits
    private let deadlines: RequestDeadlineHandler
    private enum State { case new, admitted, refused, closed }
    private var state = State.new
    let departure = EndNotice()

    init(limits: ConnectionLimits, deadlines: RequestDeadlineHandler) {
        self.limits = limits
        self.deadlines = deadlines
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { admit(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        admit(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connectionEnded()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed = event as? ChannelEvent { departure.signal() }
        context.fireUserInboundEventTriggered(event)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        connectionEnded()
    }

    /// The connection is gone (whichever of inactive and removal comes first): its slot is
    /// freed once, and whoever serves it hears the client left.
    private func connectionEnded() {
        if case .admitted = state { limits.release() }
        state = .closed
        departure.signal()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .admitted = state else { return }  // a refused connection's request is not read
        deadlines.bytesArrived()
        context.fireChannelRead(data)
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard case .new = state else { return }
        if limits.admit() {
            state = .admitted
            return
        }
        state = .refused
        let error = GatewayError.unavailable(
            "The gateway has \(limits.maxConnections) connections open, its limit (server.max_connections); retry shortly.",
            retryAfterSeconds: 1)
        let body = OpenAIErrorFormat.body(for: error)
        var buffer = context.channel.allocator.buffer(capacity: body.count + 160)
        buffer.writeString(
            "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: \(body.count)\r\n\r\n"
        )
        buffer.writeBytes(body)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
            // Half-close first so the client reads the answer before the reset an unread request causes.
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: .milliseconds(100)) { channel.close(promise: nil) }
        }
    }
}
