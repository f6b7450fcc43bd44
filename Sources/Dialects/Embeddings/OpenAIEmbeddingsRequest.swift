import Foundation
public import GatewayModel
public import JSONScanning

/// An OpenAI `POST /v1/embeddings` request: checked as it arrives, with errors that name the
/// field at fault. `input` is a string, an array of strings, an array of token ids or an array
/// of arrays of token ids; `encoding_format` `float` (the default) or `base64`; `dimensions`
/// and `user` as OpenAI has them; `task_type` is the gateway's extension for Gemini's `taskType`.
public struct OpenAIEmbeddingsRequest: Sendable {
    public let index: JSONObjectIndex
    public let model: String
    public let request: EmbeddingRequest
    /// Vectors as base64 of little-endian float32s (the openai SDK asks for this by default).
    public let base64: Bool

    /// Most inputs in one request: OpenAI's own limit per call is 2,048; the gateway splits a
    /// larger request into calls a provider takes, up to this many.
    public static let maximumInputs = 65_536

    public init(body: [UInt8]) throws(GatewayError) {
        let index = try JSONObjectIndex(requestBody: body)
        guard index["model"] != nil else {
            throw .invalidRequest("Missing required parameter: 'model'.", parameter: "model", code: "missing_required_parameter")
        }
        guard index["model"]?.kind == .string, let model = index.string("model"), !model.isEmpty else {
            throw .invalidRequest("'model' must be a non-empty string.", parameter: "model", code: "invalid_type")
        }
        guard let input = index.rawValue("input"), index["input"]?.kind != .null else {
            throw .invalidRequest("Missing required parameter: 'input'.", parameter: "input", code: "missing_required_parameter")
        }
        let inputs = try Self.inputs(Array(input))
        switch index["encoding_format"]?.kind {
        case nil, .null: self.base64 = false
        case .string where index.string("encoding_format") == "float": self.base64 = false
        case .string where index.string("encoding_format") == "base64": self.base64 = true
        default:
            throw .invalidRequest(
                "'encoding_format' must be 'float' or 'base64'.", parameter: "encoding_format", code: "invalid_value")
        }
        var dimensions: Int?
        if let member = index["dimensions"], member.kind != .null {
            guard member.kind == .number, let value = index.int("dimensions"), value >= 1 else {
                throw .invalidRequest("'dimensions' must be a positive integer.", parameter: "dimensions", code: "invalid_value")
            }
            dimensions = value
        }
        self.index = index
        self.model = model
        self.request = EmbeddingRequest(
            inputs: inputs, dimensions: dimensions, taskType: try Self.string("task_type", in: index),
            user: try Self.string("user", in: index))
    }

    private static func string(_ key: String, in index: JSONObjectIndex) throws(GatewayError) -> String? {
        guard let member = index[key], member.kind != .null else { return nil }
        guard member.kind == .string, let value = index.string(key) else {
            throw .invalidRequest("'\(key)' must be a string.", parameter: key, code: "invalid_type")
        }
        return value
    }

    /// The shapes `input` may take, as OpenAI documents them.
    private enum Input: Decodable {
        case text(String)
        case texts([String])
        case tokens([Int])
        case tokenLists([[Int]])

        init(from decoder: any Decoder) throws {
            let value = try decoder.singleValueContainer()
            if let text = try? value.decode(String.self) {
                self = .text(text)
            } else if let texts = try? value.decode([String].self) {
                self = .texts(texts)
            } else if let tokens = try? value.decode([Int].self) {
                self = .tokens(tokens)
            } else {
                self = .tokenLists(try value.decode([[Int]].self))
            }
        }
    }

    static func inputs(_ json: [UInt8]) throws(GatewayError) -> [EmbeddingRequest.Input] {
        let input: Input
        do {
            input = try JSONDecoder().decode(Input.self, fromBytes: json)
        } catch {
            throw .invalidRequest(
                "'input' must be a string, an array of strings, an array of token ids or an array of arrays of token ids.",
                parameter: "input", code: "invalid_type")
        }
        let inputs: [EmbeddingRequest.Input] =
            switch input {
            case .text(let text): [.text(text)]
            case .texts(let texts): texts.map { .text($0) }
            case .tokens(let tokens): [.tokens(tokens)]
            case .tokenLists(let lists): lists.map { .tokens($0) }
            }
        guard !inputs.isEmpty else {
            throw .invalidRequest("'input' must not be empty.", parameter: "input", code: "invalid_value")
        }
        guard inputs.count <= maximumInputs else {
            throw .invalidRequest(
                "'input' holds \(inputs.count) items; at most \(maximumInputs) may be sent in one request.", parameter: "input",
                code: "invalid_value")
        }
        for (position, item) in inputs.enumerated() {
            switch item {
            case .text(let text) where text.isEmpty:
                throw .invalidRequest(
                    "'input[\(position)]' is an empty string; every input must hold text.", parameter: "input", code: "invalid_value")
            case .tokens(let ids) where ids.isEmpty:
                throw .invalidRequest("'input[\(position)]' holds no token ids.", parameter: "input", code: "invalid_value")
            case .tokens(let ids) where ids.contains { !(0...Int(Int32.max)).contains($0) }:
                throw .invalidRequest(
                    "'input[\(position)]' holds a token id outside 0…2147483647.", parameter: "input", code: "invalid_value")
            default: continue
            }
        }
        return inputs
    }
}
