import Dialects
import Foundation
import GatewayModel
import Testing

/// Embeddings and rerank between dialects: what the caller's request may hold, how it is
/// encoded per provider and split into batches, and how answers come back in order.
@Suite struct RetrievalDialectTests {
    func embeddings(_ text: String) throws(GatewayError) -> OpenAIEmbeddingsRequest {
        try OpenAIEmbeddingsRequest(body: Array(text.utf8))
    }

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func everyShapeOfInputIsRead() throws {
        #expect(try embeddings(#"{"model":"m","input":"hi"}"#).request.inputs == [.text("hi")])
        #expect(try embeddings(#"{"model":"m","input":["a","b"]}"#).request.inputs == [.text("a"), .text("b")])
        #expect(try embeddings(#"{"model":"m","input":[1,2]}"#).request.inputs == [.tokens([1, 2])])
        #expect(try embeddings(#"{"model":"m","input":[[1],[2,3]]}"#).request.inputs == [.tokens([1]), .tokens([2, 3])])
        let full = try embeddings(
            #"{"model":"m","input":"hi","encoding_format":"base64","dimensions":64,"user":"u","task_type":"RETRIEVAL_QUERY"}"#)
        #expect(full.base64 && full.request.dimensions == 64 && full.request.user == "u")
        #expect(full.request.taskType == "RETRIEVAL_QUERY" && full.routingFacts.dimensions == 64)
        #expect(full.routingFacts.requiredEndpoint == .embeddings && OpenAIEmbeddingsRequest.operation == .embeddings)
    }

    @Test(arguments: [
        (#"{"input":"a"}"#, "model"), (#"{"model":"m"}"#, "input"), (#"{"model":"m","input":null}"#, "input"),
        (#"{"model":"m","input":[]}"#, "input"), (#"{"model":"m","input":""}"#, "input"), (#"{"model":"m","input":["a",""]}"#, "input"),
        (#"{"model":"m","input":[[]]}"#, "input"), (#"{"model":"m","input":[1,"a"]}"#, "input"),
        (#"{"model":"m","input":{"a":1}}"#, "input"),
        (#"{"model":"m","input":[-1]}"#, "input"), (#"{"model":"m","input":[4294967296]}"#, "input"),
        (#"{"model":"m","input":"a","encoding_format":"int8"}"#, "encoding_format"),
        (#"{"model":"m","input":"a","dimensions":0}"#, "dimensions"), (#"{"model":"m","input":"a","dimensions":1.5}"#, "dimensions"),
        (#"{"model":"m","input":"a","user":5}"#, "user"),
    ])
    func badRequestsNameTheField(body: String, parameter: String) {
        #expect(throws: GatewayError.self) { try embeddings(body) }
        do {
            _ = try embeddings(body)
        } catch {
            #expect(error.status == 400 && error.parameter == parameter)
        }
    }

    @Test func thePassThroughBodyCarriesTheProviderModelAndDropsTheGatewaysExtension() throws {
        let request = try embeddings(#"{"model":"embed","input":"hi","task_type":"RETRIEVAL_QUERY"}"#)
        let body = try json(try #require(request.passThroughBody(upstreamModel: "text-embedding-3-small")))
        #expect(body["model"] as? String == "text-embedding-3-small" && body["task_type"] == nil)
        let plain = try embeddings(#"{"model":"m","input":"hi"}"#)
        #expect(plain.passThroughBody(upstreamModel: "m") == Array(#"{"model":"m","input":"hi"}"#.utf8))
        #expect(try plain.passThroughUsage(in: Array(#"{"data":[],"usage":{"prompt_tokens":7}}"#.utf8)) == TokenUsage(input: 7))
        #expect(throws: DialectDecodingError.self) { try plain.passThroughUsage(in: Array(#"{"error":{}}"#.utf8)) }
    }

    @Test func batchesSplitInOrderAndMergeBack() {
        let request = EmbeddingRequest(inputs: (0..<5).map { .text("t\($0)") })
        let batches = request.batches(of: 2)
        #expect(batches.map(\.inputs) == [[.text("t0"), .text("t1")], [.text("t2"), .text("t3")], [.text("t4")]])
        #expect(request.batches(of: nil).count == 1 && request.batches(of: 5).count == 1)
        let answers = batches.enumerated().map { number, batch in
            EmbeddingAnswer(vectors: batch.inputs.indices.map { [Float(number * 2 + $0)] }, usage: TokenUsage(input: 3))
        }
        let merged = request.merged(answers, batchSize: 2)
        #expect(merged.vectors == [[0], [1], [2], [3], [4]] && merged.usage == TokenUsage(input: 9))
        // One batch without usage: the whole is estimated, not under-counted.
        #expect(request.merged([answers[0], EmbeddingAnswer(vectors: [[2], [3]], usage: nil), answers[2]], batchSize: 2).usage == nil)
    }

    @Test func rerankBatchesMergeByScoreWithTheirOffsets() {
        let request = RerankRequest(query: "q", documents: ["a", "b", "c", "d", "e"], topN: 3)
        let answers = [
            RerankAnswer(
                results: [.init(index: 1, relevanceScore: 0.9), .init(index: 0, relevanceScore: 0.2)], usage: TokenUsage(searches: 1)),
            RerankAnswer(
                results: [.init(index: 0, relevanceScore: 0.95), .init(index: 1, relevanceScore: 0.9)], usage: TokenUsage(searches: 1)),
            RerankAnswer(results: [.init(index: 0, relevanceScore: 0.1)], usage: TokenUsage(searches: 1)),
        ]
        let merged = request.merged(answers, batchSize: 2)
        #expect(merged.results.map(\.index) == [2, 1, 3])  // ties keep the earlier document first
        #expect(merged.usage == TokenUsage(searches: 3))
        #expect(RerankRequest(query: "q", documents: Array(repeating: "d", count: 101)).estimatedSearches == 2)
    }

    @Test func openAIEmbeddingsAreEncodedAndDecodedInEitherEncoding() throws {
        let request = EmbeddingRequest(inputs: [.text("a \"b\""), .tokens([1, 2])], dimensions: 8, user: "u")
        let body = try json(try OpenAIEmbeddingDialect().encode(request, upstreamModel: "text-embedding-3-small"))
        let inputs = try #require(body["input"] as? [Any])
        #expect(inputs[0] as? String == "a \"b\"" && inputs[1] as? [Int] == [1, 2])
        #expect(body["encoding_format"] as? String == "float" && body["dimensions"] as? Int == 8 && body["user"] as? String == "u")
        let packed = Data([Float(0.5), -1].flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init) })
        let answer =
            #"{"data":[{"index":1,"embedding":"\#(packed.base64EncodedString())"},{"index":0,"embedding":[0.25,1]}],"usage":{"prompt_tokens":4}}"#
        let decoded = try OpenAIEmbeddingDialect().decode(Array(answer.utf8), for: request)
        #expect(decoded.vectors == [[0.25, 1], [0.5, -1]] && decoded.usage == TokenUsage(input: 4))
        #expect(throws: DialectDecodingError.self) {
            try OpenAIEmbeddingDialect().decode(Array(#"{"data":[{"embedding":[1]}]}"#.utf8), for: request)
        }
    }

    @Test func theCallersAnswerIsInTheEncodingItAskedFor() throws {
        let answer = EmbeddingAnswer(vectors: [[0.5, -1]], usage: nil)
        let floats = try json(try embeddings(#"{"model":"m","input":"abcdefgh"}"#).encodeAnswer(answer, model: "gem"))
        let data = try #require(floats["data"] as? [[String: Any]])
        #expect(data[0]["embedding"] as? [Double] == [0.5, -1] && floats["model"] as? String == "gem")
        #expect((floats["usage"] as? [String: Int])?["prompt_tokens"] == 2)  // estimated: 8 bytes
        let packed = try json(try embeddings(#"{"model":"m","input":"x","encoding_format":"base64"}"#).encodeAnswer(answer, model: "m"))
        let text = try #require((packed["data"] as? [[String: Any]])?.first?["embedding"] as? String)
        let bytes = try #require(Data(base64Encoded: text))
        let values = stride(from: 0, to: bytes.count, by: 4).map { offset in
            Float(bitPattern: bytes[offset..<offset + 4].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        }
        #expect(values == [0.5, -1])
    }

    @Test func geminiGetsOneRequestPerTextAndNoTokenIds() throws {
        let request = EmbeddingRequest(inputs: [.text("a"), .text("b")], dimensions: 16, taskType: "RETRIEVAL_DOCUMENT")
        let body = try json(try GeminiEmbeddingDialect().encode(request, upstreamModel: "gemini-embedding-001"))
        let requests = try #require(body["requests"] as? [[String: Any]])
        #expect(requests.count == 2 && requests[0]["model"] as? String == "models/gemini-embedding-001")
        #expect(requests[1]["outputDimensionality"] as? Int == 16 && requests[1]["taskType"] as? String == "RETRIEVAL_DOCUMENT")
        let decoded = try GeminiEmbeddingDialect().decode(Array(#"{"embeddings":[{"values":[1]},{"values":[2]}]}"#.utf8), for: request)
        #expect(decoded.vectors == [[1], [2]] && decoded.usage == nil)
        #expect(throws: GatewayError.self) {
            try GeminiEmbeddingDialect().encode(EmbeddingRequest(inputs: [.tokens([1])]), upstreamModel: "g")
        }
    }

    @Test func rerankRequestsTakeStringsOrTextObjects() throws {
        let request = try RerankInboundRequest(
            body: Array(#"{"model":"r","query":"q","documents":["a",{"text":"b","id":1}],"top_n":1,"return_documents":true}"#.utf8))
        #expect(request.request == RerankRequest(query: "q", documents: ["a", "b"], topN: 1, returnDocuments: true))
        #expect(request.routingFacts.searches == 1 && request.routingFacts.requiredEndpoint == .rerank)
        for (body, parameter) in [
            (#"{"model":"r","query":"q","documents":[1]}"#, "documents"),
            (#"{"model":"r","query":"q","documents":[{"t":"x"}]}"#, "documents"),
            (#"{"model":"r","query":"q","documents":[]}"#, "documents"), (#"{"model":"r","query":"q"}"#, "documents"),
            (#"{"model":"r","query":"","documents":["a"]}"#, "query"), (#"{"query":"q","documents":["a"]}"#, "model"),
            (#"{"model":"r","query":"q","documents":["a"],"top_n":0}"#, "top_n"),
            (#"{"model":"r","query":"q","documents":["a"],"return_documents":"yes"}"#, "return_documents"),
        ] {
            do {
                _ = try RerankInboundRequest(body: Array(body.utf8))
                Issue.record("accepted \(body)")
            } catch {
                #expect(error.status == 400 && error.parameter == parameter, "\(body)")
            }
        }
    }

    @Test func rerankAnswersComeFromCohereAndDashScopeShapes() throws {
        let request = RerankRequest(query: "q", documents: ["a", "b"], topN: 1)
        let cohere = try json(try CohereRerankDialect().encode(request, upstreamModel: "rerank-v3.5"))
        #expect(cohere["documents"] as? [String] == ["a", "b"] && cohere["top_n"] as? Int == 1)
        let fromCohere = try CohereRerankDialect().decode(
            Array(#"{"results":[{"index":1,"relevance_score":0.8}],"meta":{"billed_units":{"search_units":1}}}"#.utf8), for: request)
        #expect(fromCohere == RerankAnswer(results: [.init(index: 1, relevanceScore: 0.8)], usage: TokenUsage(searches: 1)))
        let fromJina = try CohereRerankDialect().decode(Array(#"{"results":[],"usage":{"total_tokens":12}}"#.utf8), for: request)
        #expect(fromJina.usage == TokenUsage(input: 12))
        #expect(throws: DialectDecodingError.self) {
            try CohereRerankDialect().decode(Array(#"{"results":[{"index":2,"relevance_score":1}]}"#.utf8), for: request)
        }
        let dash = try json(try DashScopeRerankDialect().encode(request, upstreamModel: "gte-rerank-v2"))
        #expect((dash["input"] as? [String: Any])?["documents"] as? [String] == ["a", "b"])
        #expect((dash["parameters"] as? [String: Any])?["top_n"] as? Int == 1)
        let fromDash = try DashScopeRerankDialect().decode(
            Array(#"{"output":{"results":[{"index":0,"relevance_score":0.5}]},"usage":{"total_tokens":9}}"#.utf8), for: request)
        #expect(fromDash == RerankAnswer(results: [.init(index: 0, relevanceScore: 0.5)], usage: TokenUsage(input: 9)))
    }

    @Test func theRerankAnswerReturnsTheCallersOwnDocuments() throws {
        let inbound = try RerankInboundRequest(
            body: Array(#"{"model":"r","query":"q","documents":["a","b"],"return_documents":true}"#.utf8))
        let answer = try json(
            inbound.encodeAnswer(
                RerankAnswer(results: [.init(index: 1, relevanceScore: 0.5)], usage: TokenUsage(input: 3, searches: 1)), model: "r"))
        let results = try #require(answer["results"] as? [[String: Any]])
        #expect((results[0]["document"] as? [String: String])?["text"] == "b")
        #expect(((answer["meta"] as? [String: Any])?["billed_units"] as? [String: Int])?["search_units"] == 1)
        #expect(try json(CohereErrorFormat.body(for: .invalidRequest("bad", parameter: "query")))["message"] as? String == "bad")
    }
}
