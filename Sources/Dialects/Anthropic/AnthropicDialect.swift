import Foundation
public import GatewayModel
public import NIOCore
import ServerSentEvents

/// Anthropic's Messages API as an outbound dialect: `system` lifted out of the messages,
/// `max_tokens` always set, tool calls as `tool_use` / `tool_result` blocks.
public struct AnthropicDialect: ProviderDialect {
    public init() {}

    public func encode(
        _ request: ChatRequest, upstreamModel: String, defaults: OutboundDefaults
    ) throws(GatewayError) -> OutboundRequest {
        var dropped = request.unmappedParameters
        var messages: [AnthropicWire.Message] = []
        for (position, message) in request.messages.enumerated() {
            let role = message.role == .assistant ? "assistant" : "user"
            let blocks = try Self.blocks(for: message, field: "messages[\(position)]")
            // Anthropic wants user and assistant turns to alternate: tool results that follow
            // each other (one per call) join a single user turn.
            if let last = messages.last, last.role == role {
                messages[messages.count - 1].content += blocks
            } else {
                messages.append(AnthropicWire.Message(role: role, content: blocks))
            }
        }
        switch request.responseFormat {
        case nil, .text?: break
        case .jsonObject?, .jsonSchema?: dropped.append("response_format")
        }
        let wire = AnthropicWire.Request(
            model: upstreamModel,
            max_tokens: request.maxOutputTokens ?? defaults.maxOutputTokens,
            system: request.system.isEmpty ? nil : request.system.joined(separator: "\n\n"),
            messages: messages,
            temperature: request.temperature,
            top_p: request.topP,
            stop_sequences: request.stopSequences.isEmpty ? nil : request.stopSequences,
            stream: request.stream ? true : nil,
            tools: request.tools.isEmpty
                ? nil
                : request.tools.map { AnthropicWire.Tool(name: $0.name, description: $0.description, input_schema: $0.parameters) },
            tool_choice: request.toolChoice.map {
                switch $0 {
                case .auto: AnthropicWire.ToolChoiceWire(type: "auto")
                case .none: AnthropicWire.ToolChoiceWire(type: "none")
                case .required: AnthropicWire.ToolChoiceWire(type: "any")
                case .tool(let name): AnthropicWire.ToolChoiceWire(type: "tool", name: name)
                }
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        guard let body = try? encoder.encode(wire) else {
            throw .invalidRequest("The request could not be encoded for the provider.", parameter: nil, code: "invalid_value")
        }
        return OutboundRequest(body: Array(body), dropped: dropped)
    }

    static func blocks(for message: ChatMessage, field: String) throws(GatewayError) -> [AnthropicWire.Block] {
        if message.role == .tool {
            var result = AnthropicWire.Block(type: "tool_result")
            result.tool_use_id = message.toolCallID
            result.content = message.text
            if message.isError { result.is_error = true }
            return [result]
        }
        var blocks: [AnthropicWire.Block] = message.content.compactMap { part in
            switch part {
            case .text(let text):
                // Anthropic refuses empty text blocks.
                return text.isEmpty ? nil : .text(text)
            case .image(.url(let url)):
                var block = AnthropicWire.Block(type: "image")
                block.source = AnthropicWire.ImageSourceWire(type: "url", url: url)
                return block
            case .image(.base64(let mediaType, let data)):
                var block = AnthropicWire.Block(type: "image")
                block.source = AnthropicWire.ImageSourceWire(type: "base64", media_type: mediaType, data: data)
                return block
            }
        }
        for (position, call) in message.toolCalls.enumerated() {
            let input: JSONValue
            do {
                input = try JSONDecoder().decode(JSONValue.self, from: Data(call.arguments.isEmpty ? "{}".utf8 : call.arguments.utf8))
            } catch {
                throw .invalidRequest(
                    "'\(field).tool_calls[\(position)].function.arguments' is not valid JSON.",
                    parameter: "\(field).tool_calls[\(position)].function.arguments", code: "invalid_value")
            }
            var block = AnthropicWire.Block(type: "tool_use")
            block.id = call.id
            block.name = call.name
            block.input = input
            blocks.append(block)
        }
        return blocks
    }

    public func decodeResponse(_ body: [UInt8]) throws(DialectDecodingError) -> ChatResponse {
        let wire: AnthropicWire.Response
        do {
            wire = try JSONDecoder().decode(AnthropicWire.Response.self, from: Data(body))
        } catch {
            throw DialectDecodingError("the answer is not an Anthropic message")
        }
        var text = ""
        var calls: [ToolCall] = []
        for block in wire.content {
            switch block.type {
            case "text": text += block.text ?? ""
            case "tool_use":
                calls.append(ToolCall(id: block.id ?? "", name: block.name ?? "", arguments: Self.json(block.input ?? .object([:]))))
            default: continue  // thinking and other block kinds have no place in the caller's answer
            }
        }
        return ChatResponse(
            id: wire.id, model: wire.model, text: text, toolCalls: calls,
            finishReason: AnthropicWire.finishReason(wire.stop_reason), usage: TokenUsage(anthropic: wire.usage))
    }

    static func json(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public func makeStreamDecoder() -> any ChatStreamDecoding {
        AnthropicStreamDecoder()
    }
}

/// Anthropic SSE (`message_start`, `content_block_*`, `message_delta`, `message_stop`,
/// `ping`, `error`) to canonical events.
struct AnthropicStreamDecoder: ChatStreamDecoding {
    private var sse = ServerSentEventDecoder()
    /// Content block index → position among this answer's tool calls.
    private var toolCallPositions: [Int: Int] = [:]
    private var usage = TokenUsage()
    private(set) var isComplete = false

    mutating func decode(_ chunk: ByteBuffer) throws(DialectDecodingError) -> [ChatStreamEvent] {
        let events: [ServerSentEvent]
        do {
            events = try sse.feed(chunk)
        } catch {
            throw DialectDecodingError("the stream is not valid server-sent events")
        }
        var output: [ChatStreamEvent] = []
        for event in events {
            let wire: AnthropicWire.StreamEvent
            do {
                wire = try JSONDecoder().decode(AnthropicWire.StreamEvent.self, from: Data(event.data.readableBytesView))
            } catch {
                throw DialectDecodingError("a stream event is not Anthropic JSON")
            }
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
