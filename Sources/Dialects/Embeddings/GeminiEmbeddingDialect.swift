import Foundation
public import GatewayModel
import JSONScanning

/// Embeddings to Gemini's `models/{model}:batchEmbedContents`: one request per input, with
/// `outputDimensionality` and `taskType`. Gemini reports no usage here: the ledger records the
/// gateway's estimate, marked as such.
public struct GeminiEmbeddingDialect: OperationDialect {
    public init() {}

    public func encode(_ request: EmbeddingRequest, upstreamModel: String) throws(GatewayError) -> [UInt8] {
        let model = JSONEncoding.quoted("models/" + upstreamModel)
        var options = ""
        if let taskType = request.taskType { options += #","taskType":\#(JSONEncoding.quoted(taskType))"# }
        if let dimensions = request.dimensions { options += #","outputDimensionality":\#(dimensions)"# }
        var parts: [String] = []
        parts.reserveCapacity(request.inputs.count)
        for input in request.inputs {
            guard case .text(let text) = input else {
                throw .invalidRequest(
                    "Gemini embeds text, not token ids: send 'input' as text for this model.", parameter: "input",
                    code: "invalid_value")
            }
            parts.append(#"{"model":\#(model),"content":{"parts":[{"text":\#(JSONEncoding.quoted(text))}]}\#(options)}"#)
        }
        return Array(#"{"requests":[\#(parts.joined(separator: ","))]}"#.utf8)
    }

    /// Gemini has no end-user id.
    public func dropped(from request: EmbeddingRequest) -> [String] { request.user == nil ? [] : ["user"] }

    public func decode(_ body: [UInt8], for request: EmbeddingRequest) throws(DialectDecodingError) -> EmbeddingAnswer {
        guard let answer = try? JSONObjectIndex(document: body), let embeddings = answer.objects(inArray: "embeddings") else {
            throw DialectDecodingError("the answer is not a batchEmbedContents response")
        }
        guard embeddings.count == request.inputs.count else {
            throw DialectDecodingError("the answer holds \(embeddings.count) vectors for \(request.inputs.count) inputs")
        }
        var vectors: [[Float]] = []
        vectors.reserveCapacity(embeddings.count)
        for embedding in embeddings {
            guard embedding["values"]?.kind == .array, let values = embedding.rawValue("values").flatMap(JSONNumbers.floats) else {
                throw DialectDecodingError("an embedding of the answer has no values")
            }
            vectors.append(values)
        }
        return EmbeddingAnswer(vectors: vectors, usage: nil)
    }
}
