public import GatewayModel
public import NIOCore

/// A chat API's request (OpenAI chat completions, legacy completions and Responses, Anthropic
/// messages, Gemini generateContent): besides passing through, it translates to every chat
/// dialect through the canonical ``ChatRequest``, and streams.
public protocol InboundChat: InboundRequest {
    /// Same dialect (fast path): the client's bytes with the provider's model spliced in.
    func passThroughBody(upstreamModel: String, requestStreamUsage: Bool) -> [UInt8]
    /// Same dialect: checks a whole answer is JSON and reads its usage.
    func passThroughUsage(in answer: [UInt8]) throws(DialectDecodingError) -> TokenUsage?
    /// Same dialect: the whole answer as the caller gets it, when the gateway has something to
    /// say in it (nil: as the provider wrote it).
    func passThroughAnswer(_ answer: [UInt8]) -> [UInt8]?

    /// Same dialect: relays a stream event by event, noting usage.
    func passThroughStream() -> any StreamTransform

    /// Another dialect: the request in canonical form (decoded once, encoded per target).
    func canonical() throws(GatewayError) -> ChatRequest
    /// Another dialect: a decoded answer in the caller's format.
    func encodeAnswer(_ response: ChatResponse) -> [UInt8]
    /// Another dialect: decoded events re-encoded in the caller's format.
    func translatingStream(from decoder: any ChatStreamDecoding, model: String) -> any StreamTransform
}

extension InboundChat {
    public func passThroughAnswer(_ answer: [UInt8]) -> [UInt8]? { nil }
}

/// Upstream stream bytes in, client stream bytes out.
public protocol StreamTransform: Sendable {
    mutating func transform(_ chunk: ByteBuffer) throws(DialectDecodingError) -> ByteBuffer
    /// The closing bytes once the upstream ends.
    mutating func finish() -> ByteBuffer
    var usage: TokenUsage? { get }
    /// The upstream signalled a clean end (`[DONE]`, `message_stop`).
    var isComplete: Bool { get }
    /// Content pieces relayed so far (text or tool-argument deltas): the output estimate when
    /// a provider reports no usage — providers stream about one token per piece.
    var contentPieces: Int { get }
    /// Why the answer ended, in OpenAI's words (`stop`, `length`, `tool_calls`,
    /// `content_filter`) — what a trace's `gen_ai.response.finish_reasons` shows; nil until seen.
    var finishReasonName: String? { get }
}

extension StreamTransform {
    public var finishReasonName: String? { nil }
}

/// Canonical events in, a caller dialect's stream bytes out.
public protocol ChatStreamEncoding: Sendable {
    mutating func encode(_ events: [ChatStreamEvent]) -> ByteBuffer
    mutating func finish() -> ByteBuffer
    var usage: TokenUsage? { get }
}

/// A provider's stream decoded and re-encoded for the caller.
public struct TranslatingStream<Encoder: ChatStreamEncoding>: StreamTransform {
    private var decoder: any ChatStreamDecoding
    private var encoder: Encoder

    public init(decoder: any ChatStreamDecoding, encoder: Encoder) {
        self.decoder = decoder
        self.encoder = encoder
    }

    public private(set) var contentPieces = 0
    public private(set) var finishReasonName: String?
    private var finished = false

    public mutating func transform(_ chunk: ByteBuffer) throws(DialectDecodingError) -> ByteBuffer {
        let events = try decoder.decode(chunk)
        note(events)
        return encoder.encode(events)
    }

    private mutating func note(_ events: [ChatStreamEvent]) {
        for event in events {
            switch event {
            case .textDelta, .toolCallArgumentsDelta: contentPieces += 1
            case .finish(let reason): finishReasonName = OpenAIResponseEncoding.finishReason(reason)
            default: break
            }
        }
    }

    /// Once: later calls return nothing (a stream whose every byte came at its end is finished
    /// before its head is sent).
    public mutating func finish() -> ByteBuffer {
        guard !finished else { return ByteBuffer() }
        finished = true
        let held = decoder.finish()
        note(held)
        guard !held.isEmpty else { return encoder.finish() }
        var output = encoder.encode(held)
        var tail = encoder.finish()
        output.writeBuffer(&tail)
        return output
    }
    public var usage: TokenUsage? { encoder.usage }
    public var isComplete: Bool { decoder.isComplete }
}

/// What routing reads of a request (see `Routing.RouteRequest`).
public struct RoutingFacts: Sendable, Hashable {
    public var promptTokens: Int
    public var maxOutputTokens: Int?
    public var needs: Set<ModelCapability>
    /// Only a provider's own endpoint for this operation can take the request (see `RouteRequest`).
    public var requiredEndpoint: UpstreamOperation?
    /// Rerank searches the request will be billed, as Cohere counts them.
    public var searches: Int
    /// The vector size an embeddings request asks for.
    public var dimensions: Int?
    /// Embeddings: the longest input's estimated tokens — each input must fit the model alone.
    public var longestInputTokens: Int?

    public init(
        promptTokens: Int, maxOutputTokens: Int?, needs: Set<ModelCapability>, requiredEndpoint: UpstreamOperation? = nil,
        searches: Int = 0, dimensions: Int? = nil, longestInputTokens: Int? = nil
    ) {
        self.dimensions = dimensions
        self.longestInputTokens = longestInputTokens
        self.promptTokens = promptTokens
        self.maxOutputTokens = maxOutputTokens
        self.needs = needs
        self.requiredEndpoint = requiredEndpoint
        self.searches = searches
    }

    /// The largest output limit a request may ask for: 2³¹−1, the range every provider's API
    /// holds token limits in (Gemini's are 32-bit). Larger is a 400 naming the field.
    public static let maximumOutputTokens = Int(Int32.max)

    /// Whether `needle` occurs in `haystack` (a byte search; a hint, not a parse).
    static func contains(_ needle: String, in haystack: [UInt8]) -> Bool {
        ByteSearch.firstIndex(of: Array(needle.utf8), in: haystack) != nil
    }
}
