import Dialects
import GatewayConfig
import GatewayModel
import Hummingbird
import Logging
import NIOCore
import Providers
import Routing

/// Turns a provider's response into the caller's: whole (JSON) or streamed, passed through
/// or translated, per the attempt's ``Exchange``.
struct UpstreamAnswer<Inbound: InboundChat> {
    let inbound: Inbound
    let exchange: Exchange
    let target: RouteTarget
    let logger: Logger

    var provider: String { target.provider.name }

    /// Non-streaming: read the whole (bounded) answer, check it, answer in the caller's dialect.
    func json(_ upstream: UpstreamResponse, headers: HTTPFields, limit: Int) async throws(UpstreamFailure) -> Response {
        let body = try await upstream.collect(upTo: limit)
        let bytes = Array(body.readableBytesView)
        let output: ByteBuffer
        let usage: TokenUsage?
        do {
            switch exchange {
            case .passThrough:
                usage = try inbound.passThroughUsage(in: bytes)
                output = body
            case .translated(_, let dialect):
                let answer = try dialect.decodeResponse(bytes)
                usage = answer.usage
                output = ByteBuffer(bytes: inbound.encodeAnswer(answer))
            }
        } catch {
            throw UpstreamFailure(provider: provider, kind: .malformedResponse, detail: error.description)
        }
        if let usage { Self.note(usage, provider: provider, logger: logger) }
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: output))
    }

    /// Streaming: commit once the first upstream event is in hand, then relay chunk by chunk,
    /// dropping the upstream as soon as a write to a departed client fails.
    func stream(_ upstream: UpstreamResponse, headers: HTTPFields) async throws(UpstreamFailure) -> Response {
        var transform: any StreamTransform =
            switch exchange {
            case .passThrough: inbound.passThroughStream()
            case .translated(_, let dialect):
                inbound.translatingStream(from: dialect.makeStreamDecoder(), model: target.offering.name)
            }
        var first = ByteBuffer()
        while first.readableBytes == 0 {
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
        var headers = headers
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let (firstOutput, transformSoFar) = (first, transform)
        let (provider, logger) = (self.provider, self.logger)
        let body = ResponseBody { writer in
            var transform = transformSoFar
            do {
                // A client that goes away makes the next write throw, which ends the upstream read
                // (Hummingbird's inbound-close helper can't be used on a body already collected).
                try await Self.write(firstOutput, to: &writer)
                while let chunk = try await upstream.next() {
                    let output = try transform.transform(chunk)
                    if output.readableBytes > 0 { try await Self.write(output, to: &writer) }
                }
                let tail = transform.finish()
                if tail.readableBytes > 0 { try await Self.write(tail, to: &writer) }
                if !transform.isComplete {
                    logger.warning("upstream stream ended without its end event", metadata: ["provider": "\(provider)"])
                }
            } catch is ClientGone {
                upstream.discard()
                logger.info("client disconnected; upstream cancelled", metadata: ["provider": "\(provider)"])
                return
            } catch {
                // Bytes are already out: the only honest answer left is an error event in the stream.
                upstream.discard()
                logger.warning("upstream stream failed mid-way", metadata: ["provider": "\(provider)", "error": "\(error)"])
                let detail = (error as? DialectDecodingError)?.description ?? "the stream broke off"
                let failure = GatewayError.upstreamFailed("Provider '\(provider)' failed mid-answer: \(detail).")
                try? await writer.write(Inbound.errorEvent(failure))
            }
            if let usage = transform.usage { Self.note(usage, provider: provider, logger: logger) }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    private struct ClientGone: Error {}

    private static func write(_ buffer: ByteBuffer, to writer: inout any ResponseBodyWriter) async throws {
        do {
            try await writer.write(buffer)
        } catch {
            throw ClientGone()
        }
    }

    /// Where metering takes over (the ledger issue); for now a debug line.
    private static func note(_ usage: TokenUsage, provider: String, logger: Logger) {
        logger.debug("usage", metadata: ["input": "\(usage.input)", "output": "\(usage.output)", "provider": "\(provider)"])
    }
}
