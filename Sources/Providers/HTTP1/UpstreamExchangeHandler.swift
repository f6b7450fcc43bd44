import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs one HTTP/1.1 request/response exchange at a time on an upstream connection, handing
/// the response to an async caller with pull-based backpressure.
///
/// Why not a generic client: the gateway's upstream leg is its hot path. Writing head and body
/// in one flush, reading only when the caller asks (the channel's `autoRead` is off) and arming
/// the read timeout only while someone waits keeps a proxied request at a few event-loop hops.
/// All state lives on the channel's event loop; ``UpstreamConnection`` is the async face.
final class UpstreamExchangeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private enum Phase {
        /// Between exchanges: the connection may be reused.
        case idle
        case awaitingHead(CheckedContinuation<HTTPResponseHead, any Error>)
        case receivingBody
        /// The response ended; the caller has not yet read everything buffered.
        case bodyEnded
        case failed(any Error)
    }

    private var phase = Phase.idle
    private var context: ChannelHandlerContext?
    /// Body bytes received but not yet handed out.
    private var buffered = ByteBuffer()
    private var bodyWaiter: CheckedContinuation<ByteBuffer?, any Error>?
    private var readTimeout: TimeAmount = .seconds(120)
    private var timeoutTask: Scheduled<Void>?
    private var readDeadline = NIODeadline.distantFuture
    private var readPending = false
    /// Whether the peer allows another exchange on this connection after the current one.
    private(set) var keepAlive = true

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        timeoutTask?.cancel()
        timeoutTask = nil
    }

    /// Whether a new exchange may start now.
    var isReusable: Bool {
        if case .idle = phase, keepAlive, context?.channel.isActive == true { return true }
        return false
    }

    // MARK: Caller side (on the event loop)

    func start(
        head: HTTPRequestHead, body: ByteBuffer, readTimeout: TimeAmount,
        continuation: CheckedContinuation<HTTPResponseHead, any Error>
    ) {
        guard let context, case .idle = phase, context.channel.isActive else {
            continuation.resume(throwing: UpstreamTransportError.closedBeforeResponse)
            return
        }
        self.readTimeout = readTimeout
        phase = .awaitingHead(continuation)
        buffered.clear()
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if body.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        demand(context)
    }

    /// The next body bytes (everything buffered so far), or nil at the end of the response.
    func nextBody(continuation: CheckedContinuation<ByteBuffer?, any Error>) {
        if buffered.readableBytes > 0 {
            let chunk = buffered
            buffered = ByteBuffer()
            continuation.resume(returning: chunk)
            return
        }
        switch phase {
        case .bodyEnded:
            becomeIdle()
            continuation.resume(returning: nil)
        case .failed(let error):
            continuation.resume(throwing: error)
        case .receivingBody:
            bodyWaiter = continuation
            if let context { demand(context) }
        case .idle, .awaitingHead:
            continuation.resume(throwing: UpstreamTransportError.closedMidBody)
        }
    }

    // MARK: Channel side

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch phase {
        case .idle, .bodyEnded:
            // Bytes nobody asked for: the connection is out of step; never reuse it.
            keepAlive = false
            context.close(promise: nil)
            return
        case .awaitingHead, .receivingBody, .failed: break
        }
        switch part {
        case .head(let head):
            // 1xx interim answers (100 Continue) precede the real head.
            guard head.status.code >= 200 || head.status == .switchingProtocols else { return }
            guard case .awaitingHead(let continuation) = phase else { return }
            keepAlive = head.isKeepAlive
            phase = .receivingBody
            continuation.resume(returning: head)
        case .body(var chunk):
            guard case .receivingBody = phase else { return }
            if let waiter = bodyWaiter {
                bodyWaiter = nil
                if buffered.readableBytes > 0 {
                    buffered.writeBuffer(&chunk)
                    chunk = buffered
                    buffered = ByteBuffer()
                }
                waiter.resume(returning: chunk)
            } else {
                buffered.writeBuffer(&chunk)
            }
        case .end:
            guard case .receivingBody = phase else { return }
            if let waiter = bodyWaiter {
                bodyWaiter = nil
                becomeIdle()
                waiter.resume(returning: nil)
            } else {
                phase = .bodyEnded
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readPending = false
        // Keep reading only while a caller is waiting; otherwise TCP holds the rest (backpressure).
        // A response that has ended leaves nothing to hold back: the idle read (``becomeIdle()``)
        // is posted now, within this read, so the socket's read interest isn't dropped and added
        // back — two `epoll_ctl` calls — around the caller's taking of the body.
        switch phase {
        case .awaitingHead:
            demand(context)
        case .receivingBody where bodyWaiter != nil:
            demand(context)
        case .bodyEnded where keepAlive:
            readPending = true
            context.read()
        case .idle, .receivingBody, .bodyEnded, .failed:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset once the connection is open is the provider going away mid-exchange, not a
        // failure to connect: say so (and the attempt is billed, as one that reached it).
        switch (phase, error) {
        case (.awaitingHead, let io as IOError) where Self.resets.contains(io.errnoCode):
            fail(with: UpstreamTransportError.resetBeforeResponse)
        case (.receivingBody, let io as IOError) where Self.resets.contains(io.errnoCode):
            fail(with: UpstreamTransportError.resetMidBody)
        case (.receivingBody, HTTPParserError.invalidEOFState):
            fail(with: UpstreamTransportError.closedMidBody)  // closed before the promised length
        default:
            fail(with: error)
        }
        context.close(promise: nil)
    }

    private static let resets: Set<Int32> = [ECONNRESET, EPIPE, ECONNABORTED]

    func channelInactive(context: ChannelHandlerContext) {
        switch phase {
        case .awaitingHead: fail(with: UpstreamTransportError.closedBeforeResponse)
        case .receivingBody: fail(with: UpstreamTransportError.closedMidBody)
        case .idle, .bodyEnded, .failed: keepAlive = false
        }
        timeoutTask?.cancel()
        timeoutTask = nil
        context.fireChannelInactive()
    }

    // MARK: Internals

    /// Between exchanges a read stays posted, so a peer that closes an idle connection is
    /// noticed at once (``isReusable`` turns false) instead of on the next request.
    private func becomeIdle() {
        phase = .idle
        guard let context, keepAlive, !readPending else { return }
        readPending = true
        context.read()
    }

    private func demand(_ context: ChannelHandlerContext) {
        armTimeout(context)
        guard !readPending else { return }
        readPending = true
        context.read()
    }

    /// Pushes the read deadline out. One timer per connection is kept and re-armed lazily
    /// when it fires early, rather than scheduled and cancelled on every read.
    private func armTimeout(_ context: ChannelHandlerContext) {
        readDeadline = .now() + readTimeout
        guard timeoutTask == nil else { return }
        scheduleTimeout(at: readDeadline, context)
    }

    private func scheduleTimeout(at deadline: NIODeadline, _ context: ChannelHandlerContext) {
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        timeoutTask = context.eventLoop.scheduleTask(deadline: deadline) {
            loopBoundSelf.value.timeoutFired()
        }
    }

    private func timeoutFired() {
        timeoutTask = nil
        guard let context, isWaiting else { return }
        if readDeadline > .now() {
            scheduleTimeout(at: readDeadline, context)
            return
        }
        fail(with: UpstreamTransportError.readTimeout)
        context.close(promise: nil)
    }

    /// Whether a caller is waiting for bytes from the provider (the only time the clock runs).
    private var isWaiting: Bool {
        if case .awaitingHead = phase { return true }
        return bodyWaiter != nil
    }

    private func fail(with error: any Error) {
        keepAlive = false
        switch phase {
        case .awaitingHead(let continuation):
            phase = .failed(error)
            continuation.resume(throwing: error)
        case .receivingBody:
            phase = .failed(error)
            if let waiter = bodyWaiter {
                bodyWaiter = nil
                waiter.resume(throwing: error)
            }
        case .idle, .bodyEnded, .failed:
            break
        }
    }
}
