import Dialects
import GatewayConfig
import GatewayModel
import Hummingbird
import Logging
import NIOCore
import Providers
import Routing
import ServerSentEvents

/// Answers an OpenAI client from a provider of another dialect: the provider's reply is
/// decoded into canonical form and written back as OpenAI JSON or chunks.
struct TranslatedAnswer {
    let dialect: any ProviderDialect
    let target: RouteTarget
    /// The model the client asked for, echoed in the answer.
    let requestedModel: String

    func json(_ upstream: UpstreamResponse, headers: HTTPFields, limit: Int) async throws(UpstreamFailure) -> Response {
        let body = try await upstream.collect(upTo: limit)
        let answer: ChatResponse
        do {
            answer = try dialect.decodeResponse(Array(body.readableBytesView))
        } catch {
            throw UpstreamFailure(provider: target.provider.name, kind: .malformedResponse, detail: error.description)
        }
        var headers = headers
        headers[.contentType] = "application/json"
        let bytes = OpenAIResponseEncoding.completion(answer, model: answer.model)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    func stream(
        _ upstream: UpstreamResponse, clientWantsUsage: Bool, headers: HTTPFields, logger: Logger
    ) async throws(UpstreamFailure) -> Response {
        let provider = target.provider.name
        var decoder = dialect.makeStreamDecoder()
        var encoder = OpenAIStreamEncoder(model: target.offering.name, includeUsage: clientWantsUsage)
        // Commit only once the provider has sent a first event: until then, failing over is free.
        var first = ByteBuffer()
        while first.readableBytes == 0 {
            guard let chunk = try await upstream.next() else {
                throw UpstreamFailure(provider: provider, kind: .malformedResponse, detail: "the stream ended before any event")
            }
            do {
                first = encoder.encode(try decoder.decode(chunk))
            } catch {
                upstream.discard()
                throw UpstreamFailure(provider: provider, kind: .malformedResponse, detail: error.description)
            }
        }
        var headers = headers
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let firstOutput = first
        let (decoderSoFar, encoderSoFar) = (decoder, encoder)
        let body = ResponseBody { writer in
            var decoder = decoderSoFar
            var encoder = encoderSoFar
            do {
                try await writer.write(firstOutput)
                while let chunk = try await upstream.next() {
                    let output = encoder.encode(try decoder.decode(chunk))
                    if output.readableBytes > 0 { try await writer.write(output) }
                }
                if !decoder.isComplete {
                    logger.warning("upstream stream ended without its end event", metadata: ["provider": "\(provider)"])
                }
                try await writer.write(encoder.finish())
            } catch let failure as DialectDecodingError {
                upstream.discard()
                logger.warning("upstream stream failed mid-way", metadata: ["provider": "\(provider)", "error": "\(failure)"])
                let message = "Provider '\(provider)' stream failed mid-answer: \(failure.description)"
                try? await writer.write(ServerSentEventEncoder.encode(data: OpenAIErrorFormat.body(for: .upstreamFailed(message))))
            } catch let failure as UpstreamFailure {
                logger.warning("upstream stream failed mid-way", metadata: ["provider": "\(provider)", "error": "\(failure)"])
                let message = "Provider '\(provider)' stream broke off mid-answer."
                try? await writer.write(ServerSentEventEncoder.encode(data: OpenAIErrorFormat.body(for: .upstreamFailed(message))))
            } catch {
                // A write failed: the client went away.
                upstream.discard()
                logger.info("client disconnected; upstream cancelled", metadata: ["provider": "\(provider)"])
                return
            }
            if let usage = encoder.usage {
                logger.debug("usage", metadata: ["input": "\(usage.input)", "output": "\(usage.output)", "provider": "\(provider)"])
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
