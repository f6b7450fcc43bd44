import Dialects
import GatewayModel
import NIOCore
import NIOHTTP1

/// Holds each connection to the server's time limits, between NIO's HTTP codec and
/// Hummingbird's: a request's head must arrive within `header_timeout_ms` of its first byte
/// (of the connection's opening, for a new connection), its body may pause at most
/// `body_timeout_ms` between reads, and a kept-alive connection may wait `idle_timeout_ms` for
/// its next request. A slow head or body gets a 408 in OpenAI's shape and the connection is
/// closed; an idle one is closed quietly. While the gateway answers (a long stream included)
/// no limit runs: providers' own timeouts bound that.
///
/// One timer per connection, moved lazily: it is (re)armed only at the end of a read that left a
/// request incomplete, or when an answer ends and none is pending — so a request that arrives
/// whole in one read costs no timer work — and when it fires early (the deadline slid because
/// bytes kept coming, or moved later) it is set again for the remaining time.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let limits: ConnectionLimits
    private var context: ChannelHandlerContext?

    /// Where the connection is in its request/response cycle.
    private enum Phase {
        /// Waiting for a request: `since` the connection opened or the last response ended;
        /// `firstByte` once bytes of the next request arrived.
        case awaitingRequest(since: NIODeadline, fresh: Bool, firstByte: NIODeadline?)
        /// The head is in, the body is arriving; `lastRead` slides the body deadline.
        case readingBody(lastRead: NIODeadline)
        /// The gateway is answering (the request may be whole, or a response started early).
        case answering
        case closed
    }

    private var phase = Phase.awaitingRequest(since: .now(), fresh: true, firstByte: nil)
    /// Requests whose response hasn't ended (more than one only if the client pipelines).
    private var unanswered = 0
    /// A response head has been written for the request being read.
    private var responding = false
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        phase = .awaitingRequest(since: .now(), fresh: true, firstByte: nil)
        arm()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    /// The connection is gone: no limit runs any more.
    private func stop() {
        phase = .closed
        timer?.cancel()
        timer = nil
    }

    /// Raw bytes arrived (from ``ConnectionGateHandler``, before they are parsed).
    func bytesArrived() {
        switch phase {
        case .awaitingRequest(let since, let fresh, nil):
            phase = .awaitingRequest(since: since, fresh: fresh, firstByte: .now())
        case .readingBody:
            phase = .readingBody(lastRead: .now())
        default:
            break
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            unanswered += 1
            responding = false
            phase = .readingBody(lastRead: .now())
        case .body:
            if case .readingBody = phase { phase = .readingBody(lastRead: .now()) }
        case .end:
            phase = .answering
        }
        context.fireChannelRead(data)
    }

    /// A read ended: if it left a request's head or body incomplete, its limit must be armed.
    func channelReadComplete(context: ChannelHandlerContext) {
        arm()
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head:
            responding = true
        case .body:
            break
        case .end:
            unanswered = max(0, unanswered - 1)
            if unanswered == 0, case .answering = phase {
                phase = .awaitingRequest(since: .now(), fresh: false, firstByte: nil)
                arm()
            }
        }
        context.write(data, promise: promise)
    }

    /// When the current phase's limit runs out, and what happens then.
    private var deadline: (at: NIODeadline, answer: GatewayError?)? {
        switch phase {
        case .awaitingRequest(let since, let fresh, let firstByte):
            if let firstByte {
                return (firstByte + limits.headerTimeout.timeAmount, Self.timeout("header_timeout_ms", limits.headerTimeout))
            }
            return (since + (fresh ? limits.headerTimeout : limits.idleTimeout).timeAmount, nil)
        case .readingBody(let lastRead):
            return (lastRead + limits.bodyTimeout.timeAmount, Self.timeout("body_timeout_ms", limits.bodyTimeout))
        case .answering, .closed:
            return nil
        }
    }

    /// Makes sure the timer fires no later than the current deadline.
    private func arm() {
        guard let context, let deadline = deadline?.at else { return }
        if let timerDeadline, timerDeadline <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            timerDeadline = nil
            expire()
        }
    }

    private func expire() {
        guard let context, let (at, answer) = deadline else { return }
        guard at <= .now() else { return arm() }
        phase = .closed
        guard let answer, !responding else {
            context.close(promise: nil)
            return
        }
        let body = OpenAIErrorFormat.body(for: answer)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "content-length", value: String(body.count))
        headers.add(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .requestTimeout, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    private static func timeout(_ setting: String, _ limit: Duration) -> GatewayError {
        GatewayError(
            kind: .invalidRequest, status: 408,
            message:
                "The request did not arrive in time: \(setting) is \(limit.wholeMilliseconds) ms.",
            code: "request_timeout")
    }
}

extension Duration {
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds.saturatingMultiplied(by: 1_000_000_000).saturatingAdding(attoseconds / 1_000_000_000))
    }
}
