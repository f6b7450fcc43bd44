import Dialects
import GatewayConfig
import GatewayModel
import Hummingbird
import Logging
import Metering
import NIOCore
import Providers
import Routing
import ServerSentEvents
import JSONScanning

/// Forwards an OpenAI chat request to the first target in its plan that answers.
///
/// Fallback happens only before the client has seen a byte: for streams the gateway waits for
/// the upstream's first body chunk before committing the response head, so a provider that
/// accepts the connection and then fails still falls through to the next target.
struct ChatCompletionProxy: Sendable {
    let gateway: Gateway
    /// Largest non-streaming upstream answer the gateway will hold.
    static let maximumResponseBytes = 64 << 20

    init(gateway: Gateway) {
        self.gateway = gateway
    }

    var maxBodyBytes: Int { gateway.configuration.server.maxBodyBytes }

    func forward(
        _ chat: OpenAIChatRequest, for key: AuthenticatedKey, context: GatewayRequestContext
    ) async throws -> Response {
        guard let plan = gateway.planner.plan(for: chat.model) else { throw GatewayError.modelNotFound(chat.model) }
        guard !plan.targets.isEmpty else {
            let reasons = plan.excluded.map { "\($0.reference): \($0.reason)" }.joined(separator: "; ")
            throw GatewayError.unavailable("No provider for '\(chat.model)' is available (\(reasons)).")
        }
        var lastFailure: UpstreamFailure?
        var canonical: ChatRequest?
        for (attempt, target) in plan.targets.enumerated() {
            guard let endpoint = gateway.endpoints[target.provider.name] else { continue }
            var headers = Self.headers(plan: plan, target: target, attempts: attempt + 1)
            if let dialect = ProviderDialects.dialect(for: target.provider.dialect) {
                // Another wire format: decode once, encode per target. A request the client got
                // wrong is the client's error, not a reason to try the next provider.
                if canonical == nil { canonical = try chat.canonical() }
                let outbound = try dialect.encode(
                    canonical!, upstreamModel: target.offering.upstreamName,
                    defaults: OutboundDefaults(maxOutputTokens: target.provider.defaultMaxTokens))
                if !outbound.dropped.isEmpty {
                    if target.provider.unsupportedParameters == .reject {
                        throw GatewayError.invalidRequest(
                            "Provider '\(target.provider.name)' (\(target.provider.dialect.rawValue)) cannot honour: \(outbound.dropped.joined(separator: ", ")).",
                            parameter: outbound.dropped[0], code: "unsupported_parameter")
                    }
                    headers[.switchyardDropped] = outbound.dropped.joined(separator: ",")
                }
                do throws(UpstreamFailure) {
                    let response = try await gateway.upstream.post(
                        outbound.body, to: endpoint, requestID: context.requestID, logger: gateway.logger)
                    let answer = TranslatedAnswer(dialect: dialect, target: target, requestedModel: chat.model)
                    return chat.stream
                        ? try await answer.stream(
                            response, clientWantsUsage: chat.clientWantsStreamUsage, headers: headers, logger: context.logger)
                        : try await answer.json(response, headers: headers, limit: Self.maximumResponseBytes)
                } catch {
                    context.logger.warning(
                        "attempt failed",
                        metadata: ["target": "\(target.reference)", "attempt": "\(attempt + 1)", "error": "\(error.detail)"])
                    lastFailure = error
                    if !error.allowsFallback { break }
                    continue
                }
            }
            do throws(UpstreamFailure) {
                let upstreamBody = chat.upstreamBody(
                    model: target.offering.upstreamName, requestStreamUsage: target.provider.streamUsage)
                let response = try await gateway.upstream.post(
                    upstreamBody, to: endpoint, requestID: context.requestID, logger: gateway.logger)
                if chat.stream {
                    return try await streamResponse(
                        response, chat: chat, target: target, headers: headers, context: context)
                } else {
                    return try await jsonResponse(response, target: target, headers: headers, context: context)
                }
            } catch {
                context.logger.warning(
                    "attempt failed",
                    metadata: ["target": "\(target.reference)", "attempt": "\(attempt + 1)", "error": "\(error.detail)"])
                lastFailure = error
                if !error.allowsFallback { break }
            }
        }
        throw (lastFailure ?? UpstreamFailure(provider: chat.model, kind: .unreachable, detail: "no target")).gatewayError
    }

    static func headers(plan: RoutePlan, target: RouteTarget, attempts: Int) -> HTTPFields {
        var headers = HTTPFields()
        headers[.switchyardRoute] = plan.routeName
        headers[.switchyardProvider] = target.provider.name
        headers[.switchyardModel] = target.offering.name
        headers[.switchyardAttempts] = String(attempts)
        return headers
    }

    /// Non-streaming: read the whole (bounded) answer, check it is JSON, pass its bytes through.
    private func jsonResponse(
        _ response: UpstreamResponse, target: RouteTarget, headers: HTTPFields, context: GatewayRequestContext
    ) async throws(UpstreamFailure) -> Response {
        let body = try await response.collect(upTo: Self.maximumResponseBytes)
        let bytes = Array(body.readableBytesView)
        guard let index = try? JSONObjectIndex(document: bytes) else {
            throw UpstreamFailure(provider: target.provider.name, kind: .malformedResponse, detail: "the answer is not JSON")
        }
        if let usage = TokenUsage(openAIUsageIn: index) {
            context.logger.debug(
                "usage", metadata: ["input": "\(usage.input)", "output": "\(usage.output)", "target": "\(target.reference)"])
        }
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// Streaming: commit once the first upstream chunk is in hand, then relay event by event,
    /// dropping the upstream as soon as a write to a departed client fails.
    private func streamResponse(
        _ upstream: UpstreamResponse, chat: OpenAIChatRequest, target: RouteTarget, headers: HTTPFields,
        context: GatewayRequestContext
    ) async throws(UpstreamFailure) -> Response {
        let provider = target.provider.name
        guard let first = try await upstream.next() else {
            throw UpstreamFailure(provider: provider, kind: .malformedResponse, detail: "the stream was empty")
        }
        var headers = headers
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let logger = context.logger
        let body = ResponseBody { writer in
            var relay = OpenAIStreamRelay(clientWantsUsage: chat.clientWantsStreamUsage)
            do {
                // A client that goes away makes the next write throw, which ends the upstream read
                // (Hummingbird's inbound-close helper can't be used on a body already collected).
                var chunk: ByteBuffer? = first
                while let current = chunk {
                    let output = try relay.relay(current)
                    if output.readableBytes > 0 {
                        do {
                            try await writer.write(output)
                        } catch {
                            throw CancellationError()
                        }
                    }
                    chunk = try await upstream.next()
                }
                let tail = relay.finish()
                if tail.readableBytes > 0 { try await writer.write(tail) }
                if !relay.sawDone {
                    logger.warning("upstream stream ended without [DONE]", metadata: ["provider": "\(provider)"])
                }
            } catch is CancellationError {
                upstream.discard()
                logger.info("client disconnected; upstream cancelled", metadata: ["provider": "\(provider)"])
                return
            } catch {
                // Bytes are already out: the only honest answer left is an error event in the stream.
                logger.warning("upstream stream failed mid-way", metadata: ["provider": "\(provider)", "error": "\(error)"])
                let failure = GatewayError.upstreamFailed("Provider '\(provider)' stream broke off mid-answer.")
                try? await writer.write(ServerSentEventEncoder.encode(data: OpenAIErrorFormat.body(for: failure)))
            }
            if let usage = relay.usage {
                logger.debug("usage", metadata: ["input": "\(usage.input)", "output": "\(usage.output)", "target": "\(target.reference)"])
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
