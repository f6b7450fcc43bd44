import Foundation
import Hummingbird
import NIOCore

/// Rerank as the mock speaks it: Cohere's v2 shape (`POST /v2/rerank`, also at `/v1/rerank` as
/// Jina and vLLM serve it: `model`, `query`, `documents` as strings or `{text}` objects, `top_n`,
/// `return_documents`; `results[{index, relevance_score, document?}]`, `meta.billed_units.search_units`)
/// and DashScope's text rerank (`input.query`/`input.documents`, `parameters`; `output.results`,
/// `usage.total_tokens`). Relevance is ``MockEmbeddingSpace/relevance(query:document:)``.
extension MockProvider {
    func rerank(_ request: Request) async throws -> Response {
        let (body, refusal) = try await openAIRequest(request)
        if let refusal { return refusal }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let model = json["model"] as? String, let query = json["query"] as? String, !query.isEmpty,
            let documents = Self.documents(json["documents"])
        else {
            return Self.cohereError(.badRequest, "invalid request: model, query and documents are required")
        }
        let ranked = Self.ranked(query: query, documents: documents, topN: json["top_n"] as? Int)
        let returnDocuments = json["return_documents"] as? Bool ?? false
        try await pause(forTokens: 1, includingFirst: true)
        return Self.json([
            "id": "rerank-\(options.name)-\(UInt32.random(in: 0...UInt32.max))", "model": model,
            "results": ranked.map { index, score -> [String: Any] in
                var result: [String: Any] = ["index": index, "relevance_score": score]
                if returnDocuments { result["document"] = ["text": documents[index]] }
                return result
            },
            "meta": ["api_version": ["version": "2"], "billed_units": ["search_units": 1]],
        ])
    }

    func dashScopeRerank(_ request: Request) async throws -> Response {
        let (body, refusal) = try await openAIRequest(request)
        if let refusal { return refusal }
        let json = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        let input = json?["input"] as? [String: Any]
        let parameters = json?["parameters"] as? [String: Any]
        guard json?["model"] is String, let query = input?["query"] as? String, !query.isEmpty,
            let documents = Self.documents(input?["documents"])
        else {
            return Self.json(["code": "InvalidParameter", "message": "input.query and input.documents are required"], status: .badRequest)
        }
        let ranked = Self.ranked(query: query, documents: documents, topN: parameters?["top_n"] as? Int)
        let returnDocuments = parameters?["return_documents"] as? Bool ?? false
        let tokens = ([query] + documents).reduce(0) { $0 + MockEmbeddingSpace.tokens($1) }
        try await pause(forTokens: 1, includingFirst: true)
        return Self.json([
            "output": [
                "results": ranked.map { index, score -> [String: Any] in
                    var result: [String: Any] = ["index": index, "relevance_score": score]
                    if returnDocuments { result["document"] = ["text": documents[index]] }
                    return result
                }
            ],
            "usage": ["total_tokens": tokens], "request_id": UUID().uuidString.lowercased(),
        ])
    }

    /// Documents as strings or `{text}` objects; nil when any is neither, or there are none.
    static func documents(_ value: Any?) -> [String]? {
        guard let list = value as? [Any], !list.isEmpty else { return nil }
        let texts = list.map { ($0 as? String) ?? (($0 as? [String: Any])?["text"] as? String) }
        return texts.contains(nil) ? nil : texts.compactMap { $0 }
    }

    /// Document positions by relevance, best first (ties in document order), `topN` of them.
    static func ranked(query: String, documents: [String], topN: Int?) -> [(Int, Double)] {
        let scored = documents.enumerated().map { ($0.offset, MockEmbeddingSpace.relevance(query: query, document: $0.element)) }
        let sorted = scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        return Array(sorted.prefix(max(0, topN ?? sorted.count)))
    }

    static func cohereError(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(["message": message], status: status)
    }
}
