import Foundation
public import GatewayModel
import JSONScanning
public import NIOCore

/// A `POST /v1/rerank` or `/v2/rerank` request in the shape most RAG frameworks speak (Cohere's,
/// Jina's): `model`, `query`, `documents` (strings, or objects with `text`), `top_n`,
/// `return_documents`. Always encoded anew per target: the documents a provider gets are plain
/// strings, and the documents a caller gets back are its own, by index.
public struct RerankInboundRequest: Sendable {
    public let model: String
    public let request: RerankRequest

    /// Most documents in one request (Cohere's own limit per call is 1,000; larger requests are
    /// split into calls a provider takes, up to this many).
    public static let maximumDocuments = 10_000

    public init(body: [UInt8]) throws(GatewayError) {
        let index = try JSONObjectIndex(requestBody: body)
        guard index["model"]?.kind == .string, let model = index.string("model"), !model.isEmpty else {
            throw .invalidRequest("'model' must be a non-empty string.", parameter: "model", code: "invalid_type")
        }
        guard index["query"]?.kind == .string, let query = index.string("query"), !query.isEmpty else {
            throw .invalidRequest("'query' must be a non-empty string.", parameter: "query", code: "invalid_value")
        }
        var topN: Int?
        if let member = index["top_n"], member.kind != .null {
            guard member.kind == .number, let value = index.int("top_n"), value >= 1 else {
                throw .invalidRequest("'top_n' must be a positive integer.", parameter: "top_n", code: "invalid_value")
            }
            topN = value
        }
        var returnDocuments = false
        switch index["return_documents"]?.kind {
        case nil, .null, .false: break
        case .true: returnDocuments = true
        default: throw .invalidRequest("'return_documents' must be a boolean.", parameter: "return_documents", code: "invalid_type")
        }
        self.model = model
        self.request = RerankRequest(
            query: query, documents: try Self.documents(in: index), topN: topN, returnDocuments: returnDocuments)
    }

    private static func documents(in index: JSONObjectIndex) throws(GatewayError) -> [String] {
        guard index["documents"]?.kind == .array, let elements = index.rawElements(inArray: "documents"), !elements.isEmpty else {
            throw .invalidRequest("'documents' must be a non-empty array.", parameter: "documents", code: "invalid_value")
        }
        guard elements.count <= maximumDocuments else {
            throw .invalidRequest(
                "'documents' holds \(elements.count) items; at most \(maximumDocuments) may be sent in one request.",
                parameter: "documents", code: "invalid_value")
        }
        var documents: [String] = []
        documents.reserveCapacity(elements.count)
        for (position, element) in elements.enumerated() {
            let text: String? =
                switch element.first {
                case UInt8(ascii: "\""): JSONArrayElements.string(element)
                case UInt8(ascii: "{"): (try? JSONObjectIndex(document: Array(element)))?.string("text")
                default: nil
                }
            guard let text else {
                throw .invalidRequest(
                    "'documents[\(position)]' must be a string or an object with a string 'text'.", parameter: "documents",
                    code: "invalid_type")
            }
            documents.append(text)
        }
        return documents
    }
}

extension RerankInboundRequest: InboundOperation {
    public static var format: WireFormat { .cohere }
    public static var dialectName: String { "rerank" }
    public static var operation: UpstreamOperation { .rerank }

    public var routingFacts: RoutingFacts {
        RoutingFacts(
            promptTokens: request.estimatedTokens, maxOutputTokens: nil, needs: [], requiredEndpoint: .rerank,
            searches: request.estimatedSearches)
    }

    public static func dialect(for format: WireFormat) -> (any OperationDialect<RerankRequest>)? {
        switch format {
        case .cohere: CohereRerankDialect()
        case .dashscope: DashScopeRerankDialect()
        case .openAI, .anthropic, .gemini: nil
        }
    }

    /// Cohere's answer (with Jina's `usage` beside it): results most relevant first, each with
    /// the caller's own document when asked for.
    public func encodeAnswer(_ answer: RerankAnswer, model: String) -> [UInt8] {
        let results = answer.results.map { result in
            var json = #"{"index":\#(result.index),"relevance_score":\#(result.relevanceScore.isFinite ? result.relevanceScore : 0)"#
            if request.returnDocuments, request.documents.indices.contains(result.index) {
                json += #","document":{"text":\#(JSONEncoding.quoted(request.documents[result.index]))}"#
            }
            return json + "}"
        }
        let usage = answer.usage ?? TokenUsage(input: request.estimatedTokens, searches: request.estimatedSearches)
        let json =
            #"{"id":\#(JSONEncoding.quoted(UUID().uuidString.lowercased())),"model":\#(JSONEncoding.quoted(model)),"results":[\#(results.joined(separator: ","))],"meta":{"api_version":{"version":"2"},"billed_units":{"search_units":\#(usage.searches)}},"usage":{"total_tokens":\#(usage.input)}}"#
        return Array(json.utf8)
    }

    public static func errorBody(_ error: GatewayError) -> [UInt8] { CohereErrorFormat.body(for: error) }

    public static func errorEvent(_ error: GatewayError) -> ByteBuffer { ByteBuffer(bytes: errorBody(error)) }
}
