import Foundation
public import GatewayModel
import JSONScanning

/// Embeddings to an OpenAI-style `/embeddings` (OpenAI, Azure, DashScope's compatible mode,
/// Zhipu, Ark, Jina, SiliconFlow, vLLM, TEI, Ollama) when the caller's bytes can't go as they
/// are: a batch of a larger request, or inputs with personal data masked.
public struct OpenAIEmbeddingDialect: OperationDialect {
    public init() {}

    public func encode(_ request: EmbeddingRequest, upstreamModel: String) throws(GatewayError) -> [UInt8] {
        let inputs = request.inputs.map { input in
            switch input {
            case .text(let text): JSONEncoding.quoted(text)
            case .tokens(let ids): "[" + ids.map(String.init).joined(separator: ",") + "]"
            }
        }
        // Floats, which every compatible server answers (not all take base64).
        var json = #"{"model":\#(JSONEncoding.quoted(upstreamModel)),"input":[\#(inputs.joined(separator: ","))],"encoding_format":"float""#
        if let dimensions = request.dimensions { json += #","dimensions":\#(dimensions)"# }
        if let user = request.user { json += #","user":\#(JSONEncoding.quoted(user))"# }
        return Array((json + "}").utf8)
    }

    private struct Answer: Decodable {
        struct Item: Decodable {
            let index: Int?
            let embedding: Vector
        }
        /// Floats, or base64 of little-endian float32s.
        enum Vector: Decodable {
            case floats([Float])
            case base64(String)

            init(from decoder: any Decoder) throws {
                let value = try decoder.singleValueContainer()
                if let text = try? value.decode(String.self) {
                    self = .base64(text)
                } else {
                    self = .floats(try value.decode([Float].self))
                }
            }
        }
        struct Usage: Decodable { let prompt_tokens: Int? }
        let data: [Item]
        let usage: Usage?
    }

    public func decode(_ body: [UInt8], for request: EmbeddingRequest) throws(DialectDecodingError) -> EmbeddingAnswer {
        let answer: Answer
        do {
            answer = try JSONDecoder().decode(Answer.self, from: Data(body))
        } catch {
            throw DialectDecodingError("the answer is not an embeddings list")
        }
        guard answer.data.count == request.inputs.count else {
            throw DialectDecodingError("the answer holds \(answer.data.count) vectors for \(request.inputs.count) inputs")
        }
        let ordered = answer.data.enumerated().sorted { ($0.element.index ?? $0.offset) < ($1.element.index ?? $1.offset) }
        var vectors: [[Float]] = []
        vectors.reserveCapacity(ordered.count)
        for item in ordered {
            switch item.element.embedding {
            case .floats(let values): vectors.append(values)
            case .base64(let text):
                guard let values = Self.floats(base64: text) else { throw DialectDecodingError("an embedding is not valid base64") }
                vectors.append(values)
            }
        }
        return EmbeddingAnswer(vectors: vectors, usage: answer.usage?.prompt_tokens.map { TokenUsage(input: $0) })
    }

    static func floats(base64 text: String) -> [Float]? {
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else { return nil }
        return stride(from: 0, to: data.count, by: 4).map { offset in
            let bits = data[data.startIndex + offset..<data.startIndex + offset + 4].enumerated().reduce(UInt32(0)) {
                $0 | UInt32($1.element) << (8 * UInt32($1.offset))
            }
            return Float(bitPattern: bits)
        }
    }
}
