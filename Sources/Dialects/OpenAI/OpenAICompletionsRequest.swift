import Foundation
public import GatewayModel
import JSONScanning

/// What the gateway needs to know of an OpenAI legacy completions request
/// (`POST /v1/completions`), read without decoding it.
///
/// Its bytes pass through to providers that declare the endpoint (`completions: true`); every
/// other target gets its prompt as one user message through the canonical model.
public struct OpenAICompletionsRequest: Sendable {
    public let head: OpenAIRequestHead
    public let prompt: Prompt
    public let maxOutputTokens: Int?
    /// `echo: true`: the answer's text begins with the prompt.
    public let echo: Bool

    /// What `prompt` holds, as far as where the request may go depends on it.
    public enum Prompt: Sendable, Hashable {
        /// One text prompt (a string, or a list of one).
        case text(String)
        /// Several text prompts, one choice each: a batch only a completions endpoint answers.
        case batch(count: Int)
        /// Token ids (a list of integers, or lists of them), which only the model's own
        /// tokenizer can read.
        case tokens
    }

    /// Validates `body` as a completions request; errors name the field at fault.
    public init(body: [UInt8]) throws(GatewayError) {
        let head = try OpenAIRequestHead(body: body, bounded: Self.boundedIntegers)
        self.prompt = try Self.prompt(in: head.index)
        switch head.index["echo"]?.kind {
        case nil, .null, .false: self.echo = false
        case .true: self.echo = true
        default: throw .invalidRequest("'echo' must be a boolean.", parameter: "echo", code: "invalid_type")
        }
        self.head = head
        self.maxOutputTokens = head.index.int("max_tokens")
    }

    /// As OpenAI documents them; `max_tokens: 0` with `echo` scores a prompt without generating.
    static let boundedIntegers: [(String, ClosedRange<Int>)] = [
        ("max_tokens", 0...RoutingFacts.maximumOutputTokens), ("n", 1...128), ("best_of", 0...20), ("logprobs", 0...5),
    ]

    /// Whether only a provider's own completions endpoint can answer: no chat API takes a batch,
    /// token ids, or a request to generate nothing.
    public var needsCompletionsEndpoint: Bool {
        guard case .text = prompt else { return true }
        return maxOutputTokens == 0
    }

    private static func prompt(in index: JSONObjectIndex) throws(GatewayError) -> Prompt {
        guard let member = index["prompt"], member.kind != .null else {
            throw .invalidRequest("Missing required parameter: 'prompt'.", parameter: "prompt", code: "missing_required_parameter")
        }
        let wrongType = GatewayError.invalidRequest(
            "'prompt' must be a string or an array of strings (or of token ids).", parameter: "prompt", code: "invalid_type")
        switch member.kind {
        case .string:
            guard let text = index.string("prompt") else { throw wrongType }
            return .text(text)
        case .array:
            guard let value = try? JSONDecoder().decode(PromptList.self, fromBytes: index.bytes[member.valueRange]) else {
                throw wrongType
            }
            switch value {
            case .texts(let texts) where texts.count == 1: return .text(texts[0])
            case .texts(let texts) where texts.isEmpty:
                throw .invalidRequest("'prompt' must not be an empty array.", parameter: "prompt", code: "invalid_value")
            case .texts(let texts): return .batch(count: texts.count)
            case .tokens: return .tokens
            }
        default:
            throw wrongType
        }
    }

    /// `prompt` when it is an array: strings, token ids, or lists of token ids.
    private enum PromptList: Decodable {
        case texts([String])
        case tokens

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let texts = try? container.decode([String].self) {
                self = .texts(texts)
            } else if (try? container.decode([Int].self)) != nil || (try? container.decode([[Int]].self)) != nil {
                self = .tokens
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a prompt")
            }
        }
    }
}
