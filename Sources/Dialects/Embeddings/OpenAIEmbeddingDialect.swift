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

    /// `task_type` is Gemini's: OpenAI-style providers have no such parameter.
    public func dropped(from request: EmbeddingRequest) -> [String] { request.taskType == nil ? [] : ["task_type"] }

    public func decode(_ body: [UInt8], for request: EmbeddingRequest) throws(DialectDecodingError) -> EmbeddingAnswer {
        guard let answer = try? JSONObjectIndex(document: body), let items = answer.objects(inArray: "data") else {
            throw DialectDecodingError("the answer is not an embeddings list")
        }
        guard items.count == request.inputs.count else {
            throw DialectDecodingError("the answer holds \(items.count) vectors for \(request.inputs.count) inputs")
        }
        var vectors = [[Float]?](repeating: nil, count: items.count)
        for (position, item) in items.enumerated() {
            let index = item.int("index") ?? position
            guard vectors.indices.contains(index), vectors[index] == nil, let vector = Self.vector(in: item) else {
                throw DialectDecodingError("embedding \(position) of the answer is not a vector for one of the inputs")
            }
            vectors[index] = vector
        }
        return EmbeddingAnswer(
            vectors: vectors.map { $0 ?? [] }, usage: answer.object("usage")?.int("prompt_tokens").map { TokenUsage(input: $0) })
    }

    /// An item's `embedding`: an array of numbers, or base64 of little-endian float32s.
    static func vector(in item: JSONObjectIndex) -> [Float]? {
        switch item["embedding"]?.kind {
        case .array: item.rawValue("embedding").flatMap(JSONNumbers.floats)
        case .string: item.string("embedding").flatMap(floats(base64:))
        default: nil
        }
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
