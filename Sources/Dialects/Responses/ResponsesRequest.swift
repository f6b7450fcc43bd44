public import GatewayModel
public import JSONScanning

/// What the gateway needs to know of an OpenAI Responses API request (`POST /v1/responses`),
/// read without decoding it: the model, the stream flag, the output limit, and the request
/// parameters a Response object echoes back.
///
/// Every target is reached through the canonical model (see `canonical()`), so a Responses app
/// runs on any chat provider of any dialect.
public struct ResponsesRequest: Sendable {
    /// Model, stream flags and bounded integers, checked as for every OpenAI request.
    public let head: OpenAIRequestHead
    public let maxOutputTokens: Int?
    /// The stored response this one continues.
    public let previousResponseID: String?
    /// The stored conversation it continues and where its answer is kept (set by the gateway
    /// before forwarding; empty: a conversation of one request, not kept).
    public var conversation = ResponsesConversation()

    public var index: JSONObjectIndex { head.index }
    public var model: String { head.model }
    public var stream: Bool { head.stream }

    /// Validates `body` as a Responses request; errors name the field at fault.
    public init(body: [UInt8]) throws(GatewayError) {
        let head = try OpenAIRequestHead(body: body, bounded: [("max_output_tokens", 1...RoutingFacts.maximumOutputTokens)])
        let index = head.index
        switch index["input"]?.kind {
        case .string, .array: break
        case nil, .null:
            throw .invalidRequest("Missing required parameter: 'input'.", parameter: "input", code: "missing_required_parameter")
        default:
            throw .invalidRequest("'input' must be a string or an array of items.", parameter: "input", code: "invalid_type")
        }
        for key in ["instructions", "previous_response_id"] {
            if let member = index[key], member.kind != .null, member.kind != .string {
                throw .invalidRequest("'\(key)' must be a string.", parameter: key, code: "invalid_type")
            }
        }
        for key in ["metadata", "text", "reasoning"] {
            if let member = index[key], member.kind != .null, member.kind != .object {
                throw .invalidRequest("'\(key)' must be an object.", parameter: key, code: "invalid_type")
            }
        }
        if let member = index["tools"], member.kind != .null, member.kind != .array {
            throw .invalidRequest("'tools' must be an array.", parameter: "tools", code: "invalid_type")
        }
        self.head = head
        self.maxOutputTokens = index.int("max_output_tokens")
        self.previousResponseID = index.string("previous_response_id")
    }
}
