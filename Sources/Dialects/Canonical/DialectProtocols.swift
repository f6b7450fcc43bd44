public import GatewayModel
public import NIOCore

/// A provider's wire format as the gateway speaks it outbound: encode a canonical request,
/// decode the answer (whole or streamed).
///
/// Used only when the caller's dialect differs from the provider's; same-dialect traffic
/// keeps its bytes (the fast path).
public protocol ProviderDialect: Sendable {
    /// The request body for `request`, sent to `upstreamModel`.
    func encode(_ request: ChatRequest, upstreamModel: String, defaults: OutboundDefaults) throws(GatewayError) -> OutboundRequest
    /// A complete answer; throws when the body is not this dialect's response shape.
    func decodeResponse(_ body: [UInt8]) throws(DialectDecodingError) -> ChatResponse
    /// A fresh decoder for one streamed answer.
    func makeStreamDecoder() -> any ChatStreamDecoding
}

/// Turns one upstream stream, chunk by chunk, into canonical events.
public protocol ChatStreamDecoding: Sendable {
    mutating func decode(_ chunk: ByteBuffer) throws(DialectDecodingError) -> [ChatStreamEvent]
    /// Events still held once the upstream has ended (most decoders hold none).
    mutating func finish() -> [ChatStreamEvent]
    /// Whether the upstream signalled a clean end (OpenAI `[DONE]`, Anthropic `message_stop`).
    var isComplete: Bool { get }
}

extension ChatStreamDecoding {
    public mutating func finish() -> [ChatStreamEvent] { [] }
}

/// Settings an outbound dialect needs that the request may not carry.
public struct OutboundDefaults: Sendable {
    /// Anthropic requires `max_tokens`; this fills it when the client gave none.
    public var maxOutputTokens: Int
    /// Ask OpenAI-style streams for a final usage chunk (`stream_options.include_usage`).
    public var requestStreamUsage: Bool

    /// The target model reasons (`reasoning` among its capabilities): a reasoning effort goes to it.
    public var reasons: Bool

    public init(maxOutputTokens: Int = 4096, requestStreamUsage: Bool = true, reasons: Bool = false) {
        self.maxOutputTokens = maxOutputTokens
        self.requestStreamUsage = requestStreamUsage
        self.reasons = reasons
    }
}

/// An encoded upstream request and the parameters it could not carry.
public struct OutboundRequest: Sendable {
    public var body: [UInt8]
    /// Wire names of client parameters the target can't honour, for `x-switchyard-dropped`.
    public var dropped: [String]

    public init(body: [UInt8], dropped: [String]) {
        self.body = body
        self.dropped = dropped
    }
}

/// An upstream answer that doesn't have its dialect's shape, or an error event inside a stream.
public struct DialectDecodingError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// Set when the upstream itself reported an error mid-stream (e.g. Anthropic `overloaded_error`).
    public var upstreamErrorType: String?

    public init(_ description: String, upstreamErrorType: String? = nil) {
        self.description = description
        self.upstreamErrorType = upstreamErrorType
    }
}
