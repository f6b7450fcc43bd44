import Dialects
import GatewayConfig
import GatewayModel
import Privacy
import Routing

/// Embeddings and rerank: the client's bytes pass through to a provider of the caller's dialect
/// when one call takes them all; otherwise the request (masked where a policy says) is encoded
/// in the provider's dialect, in batches of the model's `max_inputs`, and the batches' answers
/// are merged in order into one answer in the caller's.
extension ProxiedRequest where Self: InboundOperation, Decoded == Request, Request: PersonalDataMasking {
    func decoded() -> Request { request }

    func exchange(with target: RouteTarget, masked screening: PersonalDataScreening<Request>?, decoded: inout Request?)
        throws(GatewayError) -> Exchange?
    {
        let provider = target.provider
        guard let dialect = Self.dialect(for: provider.dialect) else { return nil }
        let batchSize = target.offering.maxInputs
        let request = screening?.masked ?? self.request
        let dropped = dialect.dropped(from: request)
        if provider.dialect == Self.format, provider.serves(Self.operation), screening == nil,
            request.inputCount <= batchSize ?? .max, let body = passThroughBody(upstreamModel: target.offering.upstreamName)
        {
            return Exchange(
                bodies: [body], operation: Self.operation, dropped: dropped,
                answer: { bodies throws(DialectDecodingError) in
                    ExchangedAnswer(output: nil, usage: try passThroughUsage(in: bodies[0]), estimatedOutput: 0)
                },
                relay: nil)
        }
        let batches = request.batches(of: batchSize)
        var bodies: [[UInt8]] = []
        bodies.reserveCapacity(batches.count)
        for batch in batches { bodies.append(try dialect.encode(batch, upstreamModel: target.offering.upstreamName)) }
        let model = target.offering.name
        return Exchange(
            bodies: bodies, operation: Self.operation, dropped: dropped,
            answer: { answers throws(DialectDecodingError) in
                var parts: [Request.Answer] = []
                parts.reserveCapacity(answers.count)
                for (batch, body) in zip(batches, answers) { parts.append(try dialect.decode(body, for: batch)) }
                let answer = request.merged(parts, batchSize: batchSize ?? request.inputCount)
                return ExchangedAnswer(output: encodeAnswer(answer, model: model), usage: answer.usage, estimatedOutput: 0)
            },
            relay: nil)
    }
}

extension OpenAIEmbeddingsRequest: ProxiedRequest {}
extension GeminiEmbedRequest: ProxiedRequest {}
extension RerankInboundRequest: ProxiedRequest {}
