import Dialects
import GatewayConfig
import GatewayModel
import Routing

/// The chat APIs: the client's bytes pass through to a provider of the caller's dialect that
/// serves the operation; any other provider gets the canonical request encoded in its dialect
/// (masked where a policy says), and its answer is decoded and re-encoded in the caller's.
extension ProxiedRequest where Self: InboundChat, Decoded == ChatRequest {
    func decoded() throws(GatewayError) -> ChatRequest { try canonical() }

    func exchange(with target: RouteTarget, masked screening: PersonalDataScreening<ChatRequest>?, decoded: inout ChatRequest?)
        throws(GatewayError) -> Exchange?
    {
        let provider = target.provider
        if provider.dialect == Self.format, provider.serves(Self.operation), screening == nil {
            let body = passThroughBody(upstreamModel: target.offering.upstreamName, requestStreamUsage: provider.streamUsage)
            return Exchange(
                bodies: [body], operation: Self.operation, dropped: [],
                answer: { bodies throws(DialectDecodingError) in
                    let usage = try passThroughUsage(in: bodies[0])
                    return ExchangedAnswer(
                        output: passThroughAnswer(bodies[0]), usage: usage,
                        estimatedOutput: usage == nil ? Self.estimatedOutput(of: bodies[0]) : 0)
                },
                relay: { passThroughStream() },
                finishReason: { body in Self.finishReasonName(ofAnswer: body) })
        }
        guard var dialect = ProviderDialects.dialect(for: provider.dialect) else { return nil }
        // Decode once, encode per target. A request the client got wrong is the client's
        // error, not a reason to try the next provider.
        if decoded == nil { decoded = try canonical() }
        var request = decoded!
        if let screening {
            request = screening.masked
            dialect = screening.outbound(dialect)
        }
        let outbound = try dialect.encode(
            request, upstreamModel: target.offering.upstreamName,
            defaults: OutboundDefaults(
                maxOutputTokens: provider.defaultMaxTokens, requestStreamUsage: provider.streamUsage,
                reasons: target.offering.capabilities.contains(.reasoning)))
        let (translator, model) = (dialect, target.offering.name)
        return Exchange(
            bodies: [outbound.body], operation: .chat, dropped: outbound.dropped,
            answer: { bodies throws(DialectDecodingError) in
                let answer = try translator.decodeResponse(bodies[0])
                return ExchangedAnswer(
                    output: encodeAnswer(answer), usage: answer.usage == TokenUsage() ? nil : answer.usage,
                    estimatedOutput: TokenUsage.estimatedTokens(bytes: answer.generatedBytes),
                    finishReasonName: OpenAIResponseEncoding.finishReason(answer.finishReason))
            },
            relay: { translatingStream(from: translator.makeStreamDecoder(), model: model) })
    }

    /// Output tokens of a passed-through answer that came without usage: its generated text
    /// (and tool-call arguments) at four bytes a token — the same rule as prompt estimates. The
    /// answer is decoded for it only in this rare case.
    /// Why a passed-through answer ended, decoded by the caller's own dialect (for a trace only).
    static func finishReasonName(ofAnswer body: [UInt8]) -> String? {
        ProviderDialects.dialect(for: format).flatMap { try? $0.decodeResponse(body).finishReason }
            .map(OpenAIResponseEncoding.finishReason)
    }

    static func estimatedOutput(of body: [UInt8]) -> Int {
        let bytes = ProviderDialects.dialect(for: format).flatMap { try? $0.decodeResponse(body).generatedBytes } ?? body.count
        return TokenUsage.estimatedTokens(bytes: bytes)
    }
}

extension OpenAIChatRequest: ProxiedRequest {}
extension OpenAICompletionsRequest: ProxiedRequest {}
extension ResponsesRequest: ProxiedRequest {}
extension AnthropicMessagesRequest: ProxiedRequest {}
extension GeminiGenerateRequest: ProxiedRequest {}
