import Dialects
import GatewayConfig
import GatewayModel
import Hummingbird
import Logging
import Metering
import NIOCore
import Providers
import Routing

/// Turns a provider's response into the caller's: whole (JSON) or streamed, passed through
/// or translated, per the attempt's ``Exchange``.
struct UpstreamAnswer<Inbound: InboundRequest> {
    let exchange: Exchange
    let target: RouteTarget
    let meter: AttemptMeter
    let logger: Logger
    /// Signals the client leaving (streams only): the upstream is dropped at once.
    let departure: EndNotice?
    /// The end of a stopping gateway's time for requests (which closes the upstream under the
    /// stream): the stream then ends with the error event that says so.
    let shutdown: EndNotice

    var provider: String { target.provider.name }

    /// Non-streaming: the provider's whole (bounded) answers to the exchange's calls, checked,
    /// their usage recorded, answered in the caller's dialect. Throws ``UpstreamFailure`` for
    /// the provider's faults, a 503 ``GatewayError`` when the usage can't be recorded.
    func json(_ bodies: [ByteBuffer], headers: HTTPFields) async throws -> Response {
        let answer: ExchangedAnswer
        do {
            answer = try exchange.answer(bodies.map { Array($0.readableBytesView) })
        } catch {
            throw UpstreamFailure(provider: provider, kind: .malformedResponse, detail: error.description)
        }
        let finishReason = meter.span == nil ? nil : answer.finishReasonName ?? exchange.finishReason?(Array(bodies[0].readableBytesView))
        try await meter.recordCompleted(
            usage: answer.usage, estimatedOutput: answer.usage == nil ? answer.estimatedOutput : 0, ttftMilliseconds: nil,
            finishReason: finishReason, logger: logger)
        var headers = headers
        headers[.contentType] = "application/json"
        let output = answer.output.map { ByteBuffer(bytes: $0) } ?? bodies[0]
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: output))
    }

    /// Streaming: commit once the first upstream event is in hand, then relay chunk by chunk,
    /// dropping the upstream as soon as a write to a departed client fails.
    func stream(_ upstream: UpstreamResponse, headers: HTTPFields) async throws(UpstreamFailure) -> Response {
        guard let relay = exchange.relay else {
            throw UpstreamFailure(provider: provider, kind: .malformedResponse, detail: "this API's answers don't stream")
        }
        var transform = relay()
        var first = ByteBuffer()
        while first.readableBytes == 0 {
            // A dialect that holds everything to the end (Gemini callers get function calls whole).
            if transform.isComplete {
                first = transform.finish()
                break
            }
            guard let chunk = try await upstream.next() else {
                throw UpstreamFailure(provider: provider, kind: .malformedResponse, detail: "the stream ended before any event")
            }
            do {
                first = try transform.transform(chunk)
            } catch {
                upstream.discard()
                throw UpstreamFailure(provider: provider, kind: .malformedResponse, detail: error.description)
            }
        }
        let ttft = meter.elapsedMilliseconds
        var headers = headers
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let (firstOutput, transformSoFar) = (first, transform)
        let (provider, logger, meter, departure, shutdown) = (self.provider, self.logger, self.meter, self.departure, self.shutdown)
        let body = ResponseBody { writer in
            var transform = transformSoFar
            var recorded = false
            // The upstream connection goes back to its pool, or is closed, here — whatever way
            // the relay ends (a no-op once the body was read to its end) — and the request's
            // hold on its budgets ends with its stream.
            defer {
                upstream.discard()
                meter.charge?.settle()
            }
            /// Before the bytes that end the answer go out, its record must be durable.
            func recordIfComplete() async throws {
                guard transform.isComplete, !recorded else { return }
                recorded = true
                try await meter.recordCompleted(
                    usage: transform.usage, estimatedOutput: transform.contentPieces, ttftMilliseconds: ttft, statusIfRefused: 200,
                    finishReason: transform.finishReasonName, logger: logger)
            }
            /// The client left: bill what it was sent, and stop.
            func clientLeft() async {
                upstream.discard()
                logger.info("client disconnected; upstream cancelled", metadata: ["provider": "\(provider)"])
                if !recorded {
                    recorded = true
                    await meter.recordEnded(
                        .clientGone, status: 200, usage: transform.usage, estimatedOutput: transform.contentPieces,
                        ttftMilliseconds: ttft, logger: logger)
                }
            }
            do {
                // The client leaving closes the upstream connection, which ends a wait on the
                // provider at once; a write to the departed client fails anyway.
                try await Self.untilClientLeaves(departure, dropping: upstream) {
                    try await recordIfComplete()
                    try await Self.write(firstOutput, to: &writer)
                    // The answer ends at the dialect's end event (`[DONE]`, `message_stop`, Gemini's
                    // last chunk), whether or not the provider ends its HTTP response with it.
                    while !transform.isComplete, let chunk = try await upstream.next() {
                        let output = try transform.transform(chunk)
                        try await recordIfComplete()
                        if output.readableBytes > 0 { try await Self.write(output, to: &writer) }
                    }
                    let tail = transform.finish()
                    try await recordIfComplete()
                    if tail.readableBytes > 0 { try await Self.write(tail, to: &writer) }
                    if !transform.isComplete {
                        logger.warning("upstream stream ended without its end event", metadata: ["provider": "\(provider)"])
                    }
                }
            } catch is ClientGone {
                await clientLeft()
                return
            } catch  where departure?.hasEnded == true {
                await clientLeft()
                return
            } catch {
                // Bytes are already out: the only honest answer left is an error event in the stream.
                upstream.discard()
                logger.warning("upstream stream failed mid-way", metadata: ["provider": "\(provider)", "error": "\(error)"])
                let failure =
                    shutdown.hasEnded
                    ? RequestProxy.shuttingDown
                    : (error as? GatewayError)
                        ?? .upstreamFailed(
                            "Provider '\(provider)' failed mid-answer: \((error as? DialectDecodingError)?.description ?? "the stream broke off")."
                        )
                try? await writer.write(Inbound.errorEvent(failure))
            }
            if !recorded {
                await meter.recordEnded(
                    .interrupted, status: 200, usage: transform.usage, estimatedOutput: transform.contentPieces,
                    ttftMilliseconds: ttft, logger: logger)
            }
            try await writer.finish(nil)
            // Past the end event the client has its whole answer; the connection goes back to
            // the pool only if the provider ends its response soon after.
            if transform.isComplete { await upstream.finish(within: Self.endGrace) }
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private struct ClientGone: Error {}

    /// Runs `relay` with the upstream dropped the moment the client leaves.
    private static func untilClientLeaves(
        _ departure: EndNotice?, dropping upstream: UpstreamResponse, _ relay: @concurrent () async throws -> Void
    ) async throws {
        let id = departure?.onEnd { upstream.discard() }
        defer { departure?.forget(id) }
        try await relay()
    }

    /// How long a provider may take to end its HTTP response after the stream's end event.
    static var endGrace: Duration { .milliseconds(500) }

    @concurrent private static func write(_ buffer: ByteBuffer, to writer: inout any ResponseBodyWriter) async throws {
        do {
            try await writer.write(buffer)
        } catch {
            throw ClientGone()
        }
    }

}
