import Foundation
public import GatewayModel
import JSONScanning
import NIOCore
import ServerSentEvents

/// OpenAI chat completions as an outbound dialect, for callers of another dialect (an
/// Anthropic-SDK app on DeepSeek). OpenAI callers to OpenAI providers never come here.
public struct OpenAIDialect: ProviderDialect {
    public init() {}

    public func encode(
        _ request: ChatRequest, upstreamModel: String, defaults: OutboundDefaults
    ) throws(GatewayError) -> OutboundRequest {
        var dropped = request.unmappedParameters
        var messages: [[String: Any]] = []
        if !request.system.isEmpty {
            messages.append(["role": "system", "content": request.system.joined(separator: "\n\n")])
        }
        for message in request.messages {
            switch message.role {
            case .tool:
                // Several text parts stay parts; OpenAI tool messages carry no images.
                let texts = message.texts
                let content: Any = texts.count > 1 ? texts.map { ["type": "text", "text": $0] } : message.text
                if message.hasImages { dropped.appendOnce(DroppedName.toolResultImage) }
                messages.append(["role": "tool", "tool_call_id": message.toolCallID ?? "", "content": content])
            case .user, .assistant:
                var entry: [String: Any] = ["role": message.role.rawValue]
                let hasImages = message.content.contains { if case .image = $0 { true } else { false } }
                if hasImages {
                    entry["content"] = message.content.map { part -> [String: Any] in
                        switch part {
                        case .text(let text): ["type": "text", "text": text]
                        case .image(let source): ["type": "image_url", "image_url": ["url": source.urlString]]
                        }
                    }
                } else if message.role == .assistant && message.text.isEmpty && !message.toolCalls.isEmpty {
                    entry["content"] = NSNull()
                } else {
                    entry["content"] = message.text
                }
                if !message.toolCalls.isEmpty {
                    entry["tool_calls"] = message.toolCalls.map {
                        ["id": $0.id, "type": "function", "function": ["name": $0.name, "arguments": $0.arguments]] as [String: Any]
                    }
                }
                messages.append(entry)
            }
        }
        var body: [String: Any] = ["model": upstreamModel, "messages": messages]
        if let maxTokens = request.maxOutputTokens { body["max_tokens"] = maxTokens }
        if let temperature = request.temperature { body["temperature"] = temperature }
        if let topP = request.topP { body["top_p"] = topP }
        if !request.stopSequences.isEmpty { body["stop"] = request.stopSequences }
        if request.stream {
            body["stream"] = true
            if defaults.requestStreamUsage { body["stream_options"] = ["include_usage": true] }
        }
        if !request.tools.isEmpty {
            body["tools"] = request.tools.map {
                var function: [String: Any] = ["name": $0.name, "parameters": Self.foundation($0.parameters)]
                if let description = $0.description { function["description"] = description }
                return ["type": "function", "function": function] as [String: Any]
            }
        }
        // OpenAI refuses `parallel_tool_calls` without tools.
        if let parallel = request.parallelToolCalls, !request.tools.isEmpty { body["parallel_tool_calls"] = parallel }
        switch request.toolChoice {
        case nil: break
        case .auto?: body["tool_choice"] = "auto"
        case .none?: body["tool_choice"] = "none"
        case .required?: body["tool_choice"] = "required"
        case .tool(let name)?: body["tool_choice"] = ["type": "function", "function": ["name": name]]
        }
        switch request.responseFormat {
        case nil, .text?: break
        case .jsonObject?: body["response_format"] = ["type": "json_object"]
        case .jsonSchema(let name, let schema, let strict)?:
            // OpenAI refuses `strict` for a schema outside its strict subset; such a schema
            // (from a caller whose provider holds any schema) is sent best-effort instead.
            body["response_format"] = [
                "type": "json_schema",
                "json_schema": ["name": name, "schema": Self.foundation(schema), "strict": strict && Self.isStrictSubset(schema)],
            ]
        }
        if let effort = request.reasoningEffort {
            if defaults.reasons { body["reasoning_effort"] = effort.level.rawValue } else { dropped.appendOnce(effort.parameter) }
        }
        guard let data = try? JSONSerialization.data(withJSONObject: body, options: .withoutEscapingSlashes) else {
            throw .invalidRequest("The request could not be encoded for the provider.", parameter: nil, code: "invalid_value")
        }
        return OutboundRequest(body: Array(data), dropped: dropped)
    }

    /// Whether OpenAI's strict mode takes `schema`: every object lists all its properties as
    /// required and allows no others.
    static func isStrictSubset(_ schema: JSONValue) -> Bool {
        switch schema {
        case .array(let items): return items.allSatisfy(isStrictSubset)
        case .object(let members):
            if case .object(let properties)? = members["properties"] {
                guard members["additionalProperties"] == .bool(false) else { return false }
                guard case .array(let listed)? = members["required"] else { return false }
                let required = Set(listed.compactMap(\.stringValue))
                guard required == Set(properties.keys) else { return false }
            }
            return members.values.allSatisfy(isStrictSubset)
        default: return true
        }
    }

    /// A JSONValue as JSONSerialization's object graph.
    static func foundation(_ value: JSONValue) -> Any {
        switch value {
        case .null: NSNull()
        case .bool(let bool): bool
        case .number(let number): number.rounded() == number && abs(number) < 9e15 ? Int(number) as Any : number
        case .string(let string): string
        case .array(let array): array.map(foundation)
        case .object(let object): object.mapValues(foundation)
        }
    }

    public func decodeResponse(_ body: [UInt8]) throws(DialectDecodingError) -> ChatResponse {
        let wire: OpenAIWire.Completion
        do {
            wire = try JSONDecoder().decode(OpenAIWire.Completion.self, fromBytes: body)
        } catch {
            throw DialectDecodingError("the answer is not an OpenAI chat completion")
        }
        guard let choice = wire.choices.first else { throw DialectDecodingError("the answer has no choices") }
        return ChatResponse(
            id: wire.id, model: wire.model, text: choice.message.content ?? "",
            toolCalls: (choice.message.tool_calls ?? []).map {
                ToolCall(id: $0.id, name: $0.function.name, arguments: $0.function.arguments)
            },
            finishReason: OpenAIWire.finishReason(choice.finish_reason),
            usage: wire.usage.map(TokenUsage.init(openAI:)) ?? TokenUsage())
    }

    public func makeStreamDecoder() -> any ChatStreamDecoding {
        OpenAIStreamDecoder()
    }
}

/// OpenAI chunks to canonical events. Each chunk is scanned (``JSONObjectIndex``), not decoded:
/// a stream is read once per chunk, and Foundation's decoder took ten microseconds a chunk —
/// most of what translating a stream cost.
struct OpenAIStreamDecoder: ChatStreamDecoding {
    private var events = ServerSentEventDecoder()
    private var started = false
    private(set) var isComplete = false

    mutating func decode(_ chunk: ByteBuffer) throws(DialectDecodingError) -> [ChatStreamEvent] {
        let completed = try events.events(in: chunk)
        var output: [ChatStreamEvent] = []
        for event in completed {
            if event.isDoneSentinel {
                isComplete = true
                continue
            }
            // Keep-alive comments carry no data.
            if event.data.readableBytes == 0 { continue }
            guard let wire = try? JSONObjectIndex(document: Array(event.data.readableBytesView)) else {
                throw DialectDecodingError("a stream event is not an OpenAI chunk")
            }
            try decode(wire, into: &output)
        }
        return output
    }

    private mutating func decode(_ wire: JSONObjectIndex, into output: inout [ChatStreamEvent]) throws(DialectDecodingError) {
        if let error = wire.object("error") {
            throw DialectDecodingError(
                error.string("message") ?? "the provider reported an error mid-stream", upstreamErrorType: error.string("type"))
        }
        if !started, let id = wire.string("id") {
            started = true
            output.append(.start(id: id, model: wire.string("model") ?? ""))
        }
        for choice in wire.objects(inArray: "choices") ?? [] where (choice.int("index") ?? 0) == 0 {
            let delta = choice.object("delta")
            if let text = delta?.string("content"), !text.isEmpty { output.append(.textDelta(text)) }
            for call in delta?.objects(inArray: "tool_calls") ?? [] {
                let index = call.int("index") ?? 0
                let function = call.object("function")
                if let id = call.string("id") {
                    output.append(.toolCallStart(index: index, id: id, name: function?.string("name") ?? ""))
                }
                if let arguments = function?.string("arguments"), !arguments.isEmpty {
                    output.append(.toolCallArgumentsDelta(index: index, arguments))
                }
            }
            if let reason = choice.string("finish_reason") { output.append(.finish(OpenAIWire.finishReason(reason))) }
        }
        if let usage = TokenUsage(openAIUsageIn: wire) { output.append(.usage(usage)) }
    }
}
