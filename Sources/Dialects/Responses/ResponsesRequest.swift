public import GatewayModel
public import JSONScanning

/// What the gateway needs to know of an OpenAI Responses API request (`POST /v1/responses`),
/// read without decoding it: the model, the stream flag, the output limit, and the request
/// parameters a Response object echoes back.
///
/// Every target is reached through the canonical model (see `canonical()`), so a Responses app
/// runs on any chat provider of any dialect.
public struct ResponsesRequest: Sendable {
    public let index: JSONObjectIndex
    public let model: String
    public let stream: Bool
    public let maxOutputTokens: Int?
    /// The stored response this one continues.
    public let previousResponseID: String?
    /// The stored conversation it continues and where its answer is kept (set by the gateway
    /// before forwarding; empty: a conversation of one request, not kept).
    public var conversation = ResponsesConversation()

    /// Validates `body` as a Responses request; errors name the field at fault.
    public init(body: [UInt8]) throws(GatewayError) {
        let index: JSONObjectIndex
        do {
            index = try JSONObjectIndex(document: body)
        } catch {
            throw .invalidJSON(error.description)
        }
        guard let modelMember = index["model"] else {
            throw .invalidRequest("Missing required parameter: 'model'.", parameter: "model", code: "missing_required_parameter")
        }
        guard modelMember.kind == .string, let model = index.string("model"), !model.isEmpty else {
            throw .invalidRequest("'model' must be a non-empty string.", parameter: "model", code: "invalid_type")
        }
        switch index["input"]?.kind {
        case .string, .array: break
        case nil, .null:
            throw .invalidRequest("Missing required parameter: 'input'.", parameter: "input", code: "missing_required_parameter")
        default:
            throw .invalidRequest("'input' must be a string or an array of items.", parameter: "input", code: "invalid_type")
        }
        switch index["stream"]?.kind {
        case nil, .null, .false: self.stream = false
        case .true: self.stream = true
        default: throw .invalidRequest("'stream' must be a boolean.", parameter: "stream", code: "invalid_type")
        }
        if let member = index["max_output_tokens"], member.kind != .null {
            let range = 1...RoutingFacts.maximumOutputTokens
            guard member.kind == .number, let value = index.int("max_output_tokens"), range.contains(value) else {
                throw .invalidRequest(
                    "'max_output_tokens' must be an integer from 1 to \(range.upperBound).", parameter: "max_output_tokens",
                    code: "invalid_value")
            }
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
        self.index = index
        self.model = model
        self.maxOutputTokens = index.int("max_output_tokens")
        self.previousResponseID = index.string("previous_response_id")
    }
}
