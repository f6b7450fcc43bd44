import Foundation
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

    struct Answer: Decodable {
        struct Result: Decodable {
            let index: Int
            let relevance_score: Double
        }
        struct Meta: Decodable {
            struct Billed: Decodable {
                let search_units: Double?
                let input_tokens: Double?
            }
            let billed_units: Billed?
        }
        struct Usage: Decodable { let total_tokens: Int? }
        let results: [Result]
        let meta: Meta?
        let usage: Usage?
    }

    public func decode(_ body: [UInt8], for request: RerankRequest) throws(DialectDecodingError) -> RerankAnswer {
        let answer: Answer
        do {
            answer = try JSONDecoder().decode(Answer.self, from: Data(body))
        } catch {
            throw DialectDecodingError("the answer is not a rerank response")
        }
        return try Self.answer(answer.results.map { ($0.index, $0.relevance_score) }, for: request, usage: Self.usage(answer))
    }

    static func usage(_ answer: Answer) -> TokenUsage? {
        let billed = answer.meta?.billed_units
        guard billed?.search_units != nil || billed?.input_tokens != nil || answer.usage?.total_tokens != nil else { return nil }
        return TokenUsage(
            input: billed?.input_tokens.map { Int($0.clamped) } ?? answer.usage?.total_tokens ?? 0,
            searches: billed?.search_units.map { Int($0.clamped) } ?? 0)
    }

    /// Results checked against the request: each index names one of its documents.
    static func answer(_ results: [(Int, Double)], for request: RerankRequest, usage: TokenUsage?) throws(DialectDecodingError)
        -> RerankAnswer
    {
        for (index, _) in results where !request.documents.indices.contains(index) {
            throw DialectDecodingError("a result names document \(index) of \(request.documents.count)")
        }
        return RerankAnswer(results: results.map { RerankResult(index: $0.0, relevanceScore: $0.1) }, usage: usage)
    }
}

extension Double {
    /// Within `0...TokenUsage.maximumCount` (a NaN as 0): a count read from a provider's float.
    fileprivate var clamped: Double { isNaN ? 0 : Swift.min(Swift.max(self, 0), Double(TokenUsage.maximumCount)) }
}
