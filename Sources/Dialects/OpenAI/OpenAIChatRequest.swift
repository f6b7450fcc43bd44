public import GatewayModel
public import JSONScanning

/// What the gateway needs to know of an OpenAI chat request, read without decoding it.
///
/// The fast path forwards the client's bytes with at most two members spliced:
/// `model` (route → provider model) and `stream_options` (to meter streams).
public struct OpenAIChatRequest: Sendable {
    public let head: OpenAIRequestHead
    /// `max_completion_tokens`, else the legacy `max_tokens`.
    public let maxOutputTokens: Int?

    public var index: JSONObjectIndex { head.index }
    public var model: String { head.model }
    public var stream: Bool { head.stream }
    /// The client itself asked for the final usage chunk.
    public var clientWantsStreamUsage: Bool { head.clientWantsStreamUsage }

    /// Validates `body` as a chat completion request; errors name the field at fault.
    public init(body: [UInt8]) throws(GatewayError) {
        let head = try OpenAIRequestHead(body: body, bounded: Self.boundedIntegers)
        let index = head.index
        guard let messages = index["messages"] else {
            throw .invalidRequest(
                "Missing required parameter: 'messages'.", parameter: "messages", code: "missing_required_parameter")
        }
        guard messages.kind == .array, let count = index.arrayCount("messages"), count > 0 else {
            throw .invalidRequest("'messages' must be a non-empty array.", parameter: "messages", code: "invalid_type")
        }
        self.head = head
        self.maxOutputTokens = index.int("max_completion_tokens") ?? index.int("max_tokens")
    }

    /// Integer parameters the gateway reads or budgets by, with the ranges OpenAI documents
    /// (token limits up to 2³¹−1, as every provider's API holds them).
    static let boundedIntegers: [(String, ClosedRange<Int>)] = [
        ("max_completion_tokens", 1...RoutingFacts.maximumOutputTokens), ("max_tokens", 1...RoutingFacts.maximumOutputTokens),
        ("n", 1...128), ("top_logprobs", 0...20),
    ]

    /// The body to send upstream (see ``OpenAIRequestHead/upstreamBody(model:requestStreamUsage:)``).
    public func upstreamBody(model upstreamModel: String, requestStreamUsage: Bool) -> [UInt8] {
        head.upstreamBody(model: upstreamModel, requestStreamUsage: requestStreamUsage)
    }
}
