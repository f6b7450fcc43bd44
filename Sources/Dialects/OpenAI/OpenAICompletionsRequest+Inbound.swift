import Foundation
public import GatewayModel
import JSONScanning
import NIOCore
import ServerSentEvents

extension OpenAICompletionsRequest: OpenAIInbound, InboundChat {
    public static var dialectName: String { "openai-completions" }
    public static var operation: UpstreamOperation { .completions }
    public var model: String { head.model }
    public var stream: Bool { head.stream }

    public var routingFacts: RoutingFacts {
        RoutingFacts(
            promptTokens: TokenUsage.estimatedTokens(bytes: head.index.bytes.count), maxOutputTokens: maxOutputTokens, needs: [],
            requiredEndpoint: needsCompletionsEndpoint ? .completions : nil)
    }

    public func passThroughBody(upstreamModel: String, requestStreamUsage: Bool) -> [UInt8] {
        head.upstreamBody(model: upstreamModel, requestStreamUsage: requestStreamUsage)
    }

    public func passThroughUsage(in answer: [UInt8]) throws(DialectDecodingError) -> TokenUsage? {
        guard let index = try? JSONObjectIndex(document: answer) else { throw DialectDecodingError("the answer is not JSON") }
        return TokenUsage(openAIUsageIn: index)
    }

    public func passThroughStream() -> any StreamTransform {
        OpenAIStreamRelay(clientWantsUsage: head.clientWantsStreamUsage)
    }

    /// Parameters the canonical model carries (`echo` the gateway does itself); any other
    /// non-null member is named as dropped (or refused) by the target.
    static let mappedParameters: Set<String> = [
        "model", "prompt", "max_tokens", "temperature", "top_p", "stop", "stream", "stream_options", "echo",
    ]

    /// The prompt as one user message, for a target reached through chat.
    public func canonical() throws(GatewayError) -> ChatRequest {
        guard case .text(let text) = prompt, maxOutputTokens != 0 else {
            throw .invalidRequest(
                "This request (a batch of prompts, a prompt of token ids or max_tokens 0) can go only to a provider's own completions endpoint, not through chat (where personal data is masked, for one): send one text prompt per request.",
                parameter: "prompt", code: "invalid_value")
        }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, fromBytes: head.index.bytes)
        } catch let error as DecodingError {
            throw GatewayError.invalidValue(error)
        } catch {
            throw .invalidRequest("The request body could not be read: \(error)", parameter: nil, code: "invalid_value")
        }
        var unmapped: [String] = []
        for member in head.index.members where !Self.mappedParameters.contains(member.key) && member.kind != .null {
            unmapped.appendOnce(member.key)
        }
        return ChatRequest(
            model: model, messages: [ChatMessage(role: .user, content: [.text(text)])], maxOutputTokens: wire.max_tokens,
            temperature: wire.temperature, topP: wire.top_p, stopSequences: wire.stop?.values ?? [], stream: stream,
            unmappedParameters: unmapped)
    }

    /// The members `canonical()` reads, as the wire has them.
    private struct Wire: Decodable {
        var max_tokens: Int?
        var temperature: Double?
        var top_p: Double?
        var stop: OpenAIWire.Stop?
    }

    /// What `echo` puts before the answer.
    private var echoed: String {
        guard echo, case .text(let text) = prompt else { return "" }
        return text
    }

    public func encodeAnswer(_ response: ChatResponse) -> [UInt8] {
        OpenAICompletionEncoding.completion(response, model: response.model, echoed: echoed)
    }

    public func translatingStream(from decoder: any ChatStreamDecoding, model: String) -> any StreamTransform {
        TranslatingStream(
            decoder: decoder,
            encoder: OpenAICompletionStreamEncoder(model: model, includeUsage: head.clientWantsStreamUsage, echoed: echoed))
    }

}

extension OpenAICompletionStreamEncoder: ChatStreamEncoding {}
