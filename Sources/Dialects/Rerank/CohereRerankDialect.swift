public import GatewayModel
import JSONScanning

/// Rerank to a Cohere v2-shaped `/v2/rerank` (Cohere; Jina, vLLM and Voyage serve the shape):
/// documents as strings; usage from `meta.billed_units` (search units, tokens) or Jina's `usage`.
public struct CohereRerankDialect: OperationDialect {
    public init() {}

    public func encode(_ request: RerankRequest, upstreamModel: String) throws(GatewayError) -> [UInt8] {
        var json =
            #"{"model":\#(JSONEncoding.quoted(upstreamModel)),"query":\#(JSONEncoding.quoted(request.query)),"documents":[\#(request.documents.map(JSONEncoding.quoted).joined(separator: ","))]"#
        if let topN = request.topN { json += #","top_n":\#(topN)"# }
        return Array((json + "}").utf8)
    }

    public func decode(_ body: [UInt8], for request: RerankRequest) throws(DialectDecodingError) -> RerankAnswer {
        guard let answer = try? JSONObjectIndex(document: body) else { throw DialectDecodingError("the answer is not a rerank response") }
        let billed = answer.object("meta")?.object("billed_units")
        let searches = billed?.double("search_units")
        let tokens = billed?.double("input_tokens") ?? answer.object("usage")?.double("total_tokens")
        let usage =
            searches == nil && tokens == nil ? nil : TokenUsage(input: Int(tokens?.clamped ?? 0), searches: Int(searches?.clamped ?? 0))
        return try Self.answer(results: answer, for: request, usage: usage)
    }

    /// The `results` of `answer` (Cohere's at the top, DashScope's in `output`), each naming one
    /// of the request's documents by index.
    static func answer(results answer: JSONObjectIndex, for request: RerankRequest, usage: TokenUsage?) throws(DialectDecodingError)
        -> RerankAnswer
    {
        guard let items = answer.objects(inArray: "results") else { throw DialectDecodingError("the answer has no results") }
        var results: [RerankResult] = []
        results.reserveCapacity(items.count)
        for item in items {
            guard let index = item.int("index"), request.documents.indices.contains(index), let score = item.double("relevance_score")
            else {
                throw DialectDecodingError("a result doesn't name one of the \(request.documents.count) documents with a score")
            }
            results.append(RerankResult(index: index, relevanceScore: score))
        }
        return RerankAnswer(results: results, usage: usage)
    }
}

extension Double {
    /// Within `0...TokenUsage.maximumCount` (a NaN as 0): a count read from a provider's float.
    fileprivate var clamped: Double { isNaN ? 0 : Swift.min(Swift.max(self, 0), Double(TokenUsage.maximumCount)) }
}
