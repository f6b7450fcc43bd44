import Foundation
import Hummingbird
import NIOCore

/// Embeddings as the mock speaks them: OpenAI's `POST /v1/embeddings` (`input` as a string,
/// strings, token ids or lists of token ids; `dimensions`; `encoding_format` `float` or
/// `base64`; usage) and Gemini's `:embedContent` / `:batchEmbedContents` (`outputDimensionality`;
/// no usage, as Google answers). Vectors come from ``MockEmbeddingSpace``.
extension MockProvider {
    func embeddings(_ request: Request) async throws -> Response {
        let (body, refusal) = try await openAIRequest(request)
        if let refusal { return refusal }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let model = json["model"] as? String
        else {
            return Self.error(.badRequest, type: "invalid_request_error", code: nil, message: "Expected an embeddings request.")
        }
        let texts: [String]
        switch json["input"] {
        case let text as String: texts = [text]
        case let strings as [String]: texts = strings
        case let tokens as [Int]: texts = [tokens.map(String.init).joined(separator: " ")]
        case let lists as [[Int]]: texts = lists.map { $0.map(String.init).joined(separator: " ") }
        default:
            return Self.error(.badRequest, type: "invalid_request_error", code: nil, message: "'input' is required.")
        }
        if texts.isEmpty || texts.contains(where: \.isEmpty) {
            return Self.error(
                .badRequest, type: "invalid_request_error", code: nil, message: "'$.input' is invalid: empty inputs are not allowed.")
        }
        if texts.count > options.maxEmbeddingInputs {
            return Self.error(
                .badRequest, type: "invalid_request_error", code: nil,
                message: "'$.input' is invalid: at most \(options.maxEmbeddingInputs) inputs per request.")
        }
        let native = MockEmbeddingSpace.nativeDimensions(of: model)
        let dimensions = json["dimensions"] as? Int ?? native
        guard (1...native).contains(dimensions) else {
            return Self.error(
                .badRequest, type: "invalid_request_error", code: nil,
                message: "This model does not support specifying dimensions of \(dimensions) (at most \(native)).")
        }
        let base64 = json["encoding_format"] as? String == "base64"
        let data = texts.enumerated().map { index, text -> [String: Any] in
            let vector = MockEmbeddingSpace.vector(text, dimensions: dimensions)
            return [
                "object": "embedding", "index": index,
                "embedding": base64 ? MockEmbeddingSpace.base64(vector) as Any : vector.map { Double($0) } as Any,
            ]
        }
        let tokens = texts.reduce(0) { $0 + MockEmbeddingSpace.tokens($1) }
        try await pause(forTokens: 1, includingFirst: true)
        return Self.json([
            "object": "list", "data": data, "model": model,
            "usage": ["prompt_tokens": tokens, "total_tokens": tokens],
        ])
    }

    /// `models/{model}:embedContent` or `:batchEmbedContents` (the key and failures already checked).
    func geminiEmbeddings(_ json: [String: Any], batch: Bool) async throws -> Response {
        let requests = batch ? json["requests"] as? [[String: Any]] ?? [] : [json]
        if requests.isEmpty || requests.count > 100 {
            return Self.geminiError(
                .badRequest, status: "INVALID_ARGUMENT", message: "* BatchEmbedContentsRequest.requests: between 1 and 100 requests")
        }
        var embeddings: [[String: Any]] = []
        for request in requests {
            let parts = (request["content"] as? [String: Any])?["parts"] as? [[String: Any]] ?? []
            let text = parts.compactMap { $0["text"] as? String }.joined(separator: " ")
            guard !text.isEmpty else {
                return Self.geminiError(.badRequest, status: "INVALID_ARGUMENT", message: "* content: must not be empty")
            }
            let dimensions = request["outputDimensionality"] as? Int ?? 3072
            guard (1...3072).contains(dimensions) else {
                return Self.geminiError(
                    .badRequest, status: "INVALID_ARGUMENT", message: "outputDimensionality must be between 1 and 3072.")
            }
            embeddings.append(["values": MockEmbeddingSpace.vector(text, dimensions: dimensions).map { Double($0) }])
        }
        try await pause(forTokens: 1, includingFirst: true)
        return Self.json(batch ? ["embeddings": embeddings] : ["embedding": embeddings[0]])
    }
}
