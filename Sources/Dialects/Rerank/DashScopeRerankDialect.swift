public import GatewayModel
import JSONScanning

/// Rerank to Alibaba DashScope's native text rerank (`gte-rerank-v2`):
/// `{"model","input":{"query","documents"},"parameters":{"top_n","return_documents"}}` in,
/// `{"output":{"results":[{"index","relevance_score"}]},"usage":{"total_tokens"}}` out.
public struct DashScopeRerankDialect: OperationDialect {
    public init() {}

    public func encode(_ request: RerankRequest, upstreamModel: String) throws(GatewayError) -> [UInt8] {
        let documents = request.documents.map(JSONEncoding.quoted).joined(separator: ",")
        var parameters = #""return_documents":false"#
        if let topN = request.topN { parameters += #","top_n":\#(topN)"# }
        let json =
            #"{"model":\#(JSONEncoding.quoted(upstreamModel)),"input":{"query":\#(JSONEncoding.quoted(request.query)),"documents":[\#(documents)]},"parameters":{\#(parameters)}}"#
        return Array(json.utf8)
    }

    public func decode(_ body: [UInt8], for request: RerankRequest) throws(DialectDecodingError) -> RerankAnswer {
        guard let answer = try? JSONObjectIndex(document: body), let output = answer.object("output") else {
            throw DialectDecodingError("the answer is not a DashScope text rerank response")
        }
        return try CohereRerankDialect.answer(
            results: output, for: request, usage: answer.object("usage")?.int("total_tokens").map { TokenUsage(input: $0) })
    }
}
