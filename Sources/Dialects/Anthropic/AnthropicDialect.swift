import Foundation
public import GatewayModel
import JSONScanning
import NIOCore
import ServerSentEvents

/// Anthropic's Messages API as an outbound dialect: `system` lifted out of the messages,
/// `max_tokens` always set, tool calls as `tool_use` / `tool_result` blocks.
public struct AnthropicDialect: ProviderDialect {
    public init() {}

    public func encode(
        _ request: ChatRequest, upstreamModel: String, defaults: OutboundDefaults
    ) throws(GatewayError) -> OutboundRequest {
        var dropped = request.unmappedParameters
        // Anthropic wants user and assistant turns to alternate: tool results that follow
        // each other (one per call) join a single user turn.
        var turns: [(role: String, blocks: [String])] = []
        for (position, message) in request.messages.enumerated() {
            let role = message.role == .assistant ? "assistant" : "user"
            let blocks = try Self.blocks(for: message, field: "messages[\(position)]")
            // The Messages API refuses a turn with no content (`content: []`): an empty turn
            // carries nothing, so it is left out.
            guard !blocks.isEmpty else { continue }
            if let last = turns.last, last.role == role {
                turns[turns.count - 1].blocks += blocks
            } else {
                turns.append((role, blocks))
            }
        }
        // Structured output is `output_config.format` (a JSON schema, always held to); "any
        // JSON object" has no schema to give, so it goes the way of unsupported parameters.
        var outputFormat: String?
        switch request.responseFormat {
        case nil, .text?: break
        case .jsonObject?: dropped.appendOnce(DroppedName.responseFormat)
        case .jsonSchema(_, let schema, _)?: outputFormat = #"{"format":{"type":"json_schema","schema":\#(schema.jsonText)}}"#
        }
        let maxTokens = request.maxOutputTokens ?? defaults.maxOutputTokens
        var thinkingBudget: Int?
        if let effort = request.reasoningEffort {
            thinkingBudget = defaults.reasons ? Self.thinkingBudget(effort.level, for: request, maxTokens: maxTokens) : nil
            // Not thinking is the least there is: `none` and `minimal` are honoured without it.
            let thinksLeast = defaults.reasons && (effort.level == .none || effort.level == .minimal)
            if thinkingBudget == nil, !thinksLeast { dropped.appendOnce(effort.parameter) }
        }
        var body = JSONObjectWriter()
        body.string("model", upstreamModel)
        body.int("max_tokens", maxTokens)
        if !request.system.isEmpty { body.string("system", request.system.joined(separator: "\n\n")) }
        body.objects("messages", turns.map { #"{"role":"\#($0.role)","content":[\#($0.blocks.joined(separator: ","))]}"# })
        body.number("temperature", request.temperature)
        body.number("top_p", request.topP)
        if !request.stopSequences.isEmpty { body.strings("stop_sequences", request.stopSequences) }
        if request.stream { body.bool("stream", true) }
        if !request.tools.isEmpty {
            body.objects(
                "tools",
                request.tools.map { tool in
                    var entry = JSONObjectWriter()
                    entry.string("name", tool.name)
                    entry.string("description", tool.description)
                    entry.raw("input_schema", tool.parameters.jsonText)
                    return entry.closed
                })
        }
        // One call per turn is a flag on the tool choice (`auto` when the caller named none).
        let oneCallPerTurn = request.parallelToolCalls == false && !request.tools.isEmpty && request.toolChoice != ToolChoice.none
        if let choice = request.toolChoice ?? (oneCallPerTurn ? .auto : nil) {
            var json = JSONObjectWriter()
            switch choice {
            case .auto: json.string("type", "auto")
            case .none: json.string("type", "none")
            case .required: json.string("type", "any")
            case .tool(let name):
                json.string("type", "tool")
                json.string("name", name)
            }
            if oneCallPerTurn { json.bool("disable_parallel_tool_use", true) }
            body.raw("tool_choice", json.closed)
        }
        body.raw("output_config", outputFormat)
        body.raw("thinking", thinkingBudget.map { #"{"type":"enabled","budget_tokens":\#($0)}"# })
        return OutboundRequest(body: Array(body.closed.utf8), dropped: dropped)
    }

    /// Extended thinking's budget for a reasoning effort — none for `none` and `minimal` — where
    /// Anthropic takes it: at least 1 024 tokens and below `max_tokens`, with temperature and
    /// `top_p` left as thinking needs them, no tool forced, and no earlier tool call awaiting its
    /// result (Anthropic wants that turn's own thinking back, which no other provider wrote).
    static func thinkingBudget(_ level: ReasoningEffort.Level, for request: ChatRequest, maxTokens: Int) -> Int? {
        let wanted: Int
        switch level {
        case .none, .minimal: return nil
        case .low: wanted = 1024
        case .medium: wanted = 4096
        case .high: wanted = 16384
        case .xhigh: wanted = 32768
        }
        let budget = min(wanted, maxTokens.saturatingSubtracting(1))
        let forcesTool =
            switch request.toolChoice {
            case .required?, .tool?: true
            default: false
            }
        let lastAssistant = request.messages.last { $0.role == .assistant }
        guard budget >= 1024, request.temperature.map({ $0 == 1 }) ?? true, request.topP.map({ $0 >= 0.95 }) ?? true, !forcesTool,
            lastAssistant?.toolCalls.isEmpty ?? true
        else { return nil }
        return budget
    }

    /// A message's content blocks, as JSON text.
    static func blocks(for message: ChatMessage, field: String) throws(GatewayError) -> [String] {
        if message.role == .tool {
            var result = JSONObjectWriter()
            result.string("type", "tool_result")
            result.string("tool_use_id", message.toolCallID)
            // One text part stays a string; several parts (or an image) are blocks of their own.
            if message.content.count > 1 || message.hasImages {
                result.objects("content", contentBlocks(message.content))
            } else {
                result.string("content", message.text)
            }
            if message.isError { result.bool("is_error", true) }
            return [result.closed]
        }
        var blocks = contentBlocks(message.content)
        for (position, call) in message.toolCalls.enumerated() {
            // The arguments go as written, once checked to be a JSON object.
            let arguments = call.arguments.trimmingCharacters(in: .whitespacesAndNewlines)
            guard arguments.isEmpty || (try? JSONObjectIndex(document: Array(arguments.utf8))) != nil else {
                throw .invalidRequest(
                    "'\(field).tool_calls[\(position)].function.arguments' is not a JSON object.",
                    parameter: "\(field).tool_calls[\(position)].function.arguments", code: "invalid_value")
            }
            var block = JSONObjectWriter()
            block.string("type", "tool_use")
            block.string("id", call.id)
            block.string("name", call.name)
            block.raw("input", arguments.isEmpty ? "{}" : arguments)
            blocks.append(block.closed)
        }
        return blocks
    }

    /// Text and image parts as content blocks (Anthropic refuses empty text blocks).
    static func contentBlocks(_ parts: [ContentPart]) -> [String] {
        parts.compactMap { part in
            switch part {
            case .text(let text):
                return text.isEmpty ? nil : #"{"type":"text","text":\#(JSONEncoding.quoted(text))}"#
            case .image(.url(let url)):
                return #"{"type":"image","source":{"type":"url","url":\#(JSONEncoding.quoted(url))}}"#
            case .image(.base64(let mediaType, let data)):
                return
                    #"{"type":"image","source":{"type":"base64","media_type":\#(JSONEncoding.quoted(mediaType)),"data":\#(JSONEncoding.quoted(data))}}"#
            }
        }
    }

    public func decodeResponse(_ body: [UInt8]) throws(DialectDecodingError) -> ChatResponse {
        guard let message = try? JSONObjectIndex(document: body), message.string("type") == "message",
            let blocks = message.objects(inArray: "content"), let usage = message.object("usage")
        else {
            throw DialectDecodingError("the answer is not an Anthropic message")
        }
        var text = ""
        var calls: [ToolCall] = []
        for block in blocks {
            switch block.string("type") {
            case "text": text += block.string("text") ?? ""
            case "tool_use":
                let input = block.rawValue("input").map { String(decoding: $0, as: UTF8.self) } ?? "{}"
                calls.append(ToolCall(id: block.string("id") ?? "", name: block.string("name") ?? "", arguments: input))
            default: continue  // thinking and other block kinds have no place in the caller's answer
            }
        }
        return ChatResponse(
            id: message.string("id") ?? "", model: message.string("model") ?? "", text: text, toolCalls: calls,
            finishReason: AnthropicWire.finishReason(message.string("stop_reason")),
            usage: TokenUsage(anthropicUsageIn: usage))
    }

    public func makeStreamDecoder() -> any ChatStreamDecoding {
        AnthropicStreamDecoder()
    }
}

/// Anthropic SSE (`message_start`, `content_block_*`, `message_delta`, `message_stop`,
/// `ping`, `error`) to canonical events.
struct AnthropicStreamDecoder: ChatStreamDecoding {
    private var stream = JSONEventStream<AnthropicWire.StreamEvent>(payloadName: "an Anthropic stream event")
    /// Content block index → position among this answer's tool calls.
    private var toolCallPositions: [Int: Int] = [:]
    private var usage = TokenUsage()
    private(set) var isComplete = false

    mutating func decode(_ chunk: ByteBuffer) throws(DialectDecodingError) -> [ChatStreamEvent] {
        var output: [ChatStreamEvent] = []
        for case let wire? in try stream.payloads(in: chunk) {
            switch wire.type {
            case "message_start":
                if let message = wire.message {
                    if let start = message.usage { usage = TokenUsage(anthropic: start, base: usage) }
                    output.append(.start(id: message.id, model: message.model))
                }
            case "content_block_start":
                if let block = wire.content_block, block.type == "tool_use", let index = wire.index {
                    let position = toolCallPositions.count
                    toolCallPositions[index] = position
                    output.append(.toolCallStart(index: position, id: block.id ?? "", name: block.name ?? ""))
                } else if let text = wire.content_block?.text, !text.isEmpty {
                    output.append(.textDelta(text))
                }
            case "content_block_delta":
                switch wire.delta?.type {
                case "text_delta":
                    if let text = wire.delta?.text, !text.isEmpty { output.append(.textDelta(text)) }
                case "input_json_delta":
                    if let index = wire.index, let position = toolCallPositions[index], let json = wire.delta?.partial_json,
                        !json.isEmpty
                    {
                        output.append(.toolCallArgumentsDelta(index: position, json))
                    }
                default: break  // thinking, signatures, citations
                }
            case "message_delta":
                if let delta = wire.usage { usage = TokenUsage(anthropic: delta, base: usage) }
                output.append(.finish(AnthropicWire.finishReason(wire.delta?.stop_reason)))
                output.append(.usage(usage))
            case "message_stop":
                isComplete = true
            case "error":
                throw DialectDecodingError(
                    wire.error?.message ?? "the provider reported an error mid-stream", upstreamErrorType: wire.error?.type)
            default:
                break  // ping, content_block_stop, and event types added later
            }
        }
        return output
    }
}
