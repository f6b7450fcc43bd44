import Foundation
public import GatewayModel
public import JSONScanning

/// An inbound Anthropic Messages request (`POST /v1/messages`): what the gateway reads
/// without decoding, and the canonical form when the provider speaks another dialect.
public struct AnthropicMessagesRequest: Sendable {
    public let index: JSONObjectIndex
    public let model: String
    public let stream: Bool
    public let maxOutputTokens: Int

    /// Validates `body`; errors name the field at fault. `count_tokens` requests carry no
    /// `max_tokens` (`requireMaxTokens: false`).
    public init(body: [UInt8], requireMaxTokens: Bool = true) throws(GatewayError) {
        let index = try JSONObjectIndex(requestBody: body)
        guard let model = index.string("model"), !model.isEmpty else {
            throw .invalidRequest("model: Field required (a non-empty string)", parameter: "model")
        }
        guard index["messages"]?.kind == .array, (index.arrayCount("messages") ?? 0) > 0 else {
            throw .invalidRequest("messages: Field required (a non-empty array)", parameter: "messages")
        }
        let maxTokens = index.int("max_tokens")
        if requireMaxTokens || index["max_tokens"] != nil {
            guard index["max_tokens"]?.kind == .number, let maxTokens, (1...RoutingFacts.maximumOutputTokens).contains(maxTokens)
            else {
                throw .invalidRequest(
                    "max_tokens: Field required (an integer from 1 to \(RoutingFacts.maximumOutputTokens))", parameter: "max_tokens")
            }
        }
        switch index["stream"]?.kind {
        case nil, .null, .false: stream = false
        case .true: stream = true
        default: throw .invalidRequest("stream: Input should be a valid boolean", parameter: "stream")
        }
        self.index = index
        self.model = model
        self.maxOutputTokens = maxTokens ?? 1
    }

    /// The client's bytes with `model` replaced, for an Anthropic provider (the fast path).
    public func upstreamBody(model upstreamModel: String) -> [UInt8] {
        guard upstreamModel != model else { return index.bytes }
        var editor = JSONObjectEditor(index)
        editor.set("model", string: upstreamModel)
        return editor.bytes()
    }

    static let mappedParameters: Set<String> = [
        "model", "messages", "max_tokens", "system", "temperature", "top_p", "stop_sequences", "stream", "tools",
        "tool_choice", "output_config",
    ]

    /// The request in canonical form, for a provider of another dialect.
    public func canonical() throws(GatewayError) -> ChatRequest {
        let wire: AnthropicWire.InboundRequest
        do {
            wire = try JSONDecoder().decode(AnthropicWire.InboundRequest.self, fromBytes: index.bytes)
        } catch let error as DecodingError {
            let invalid = GatewayError.invalidValue(error)
            throw .invalidRequest(invalid.message, parameter: invalid.parameter)
        } catch {
            throw .invalidRequest("The request body could not be read.")
        }
        var messages: [ChatMessage] = []
        var callIDs: Set<String> = []
        for (position, message) in wire.messages.enumerated() {
            let field = "messages.\(position)"
            guard message.role == "user" || message.role == "assistant" else {
                throw .invalidRequest("\(field).role: Input should be 'user' or 'assistant'", parameter: "\(field).role")
            }
            var parts: [ContentPart] = []
            var calls: [ToolCall] = []
            for (blockPosition, block) in message.content.blocks.enumerated() {
                let blockField = "\(field).content.\(blockPosition)"
                switch block.type {
                case "text":
                    parts.append(.text(block.text ?? ""))
                case "image":
                    parts.append(try Self.image(block.source, field: blockField))
                case "tool_use" where message.role == "assistant":
                    guard let id = block.id, let name = block.name else {
                        throw .invalidRequest("\(blockField): tool_use needs id and name", parameter: blockField)
                    }
                    callIDs.insert(id)
                    calls.append(ToolCall(id: id, name: name, arguments: (block.input ?? .object([:])).jsonText))
                case "tool_result" where message.role == "user":
                    guard let id = block.tool_use_id, callIDs.contains(id) else {
                        throw .invalidRequest(
                            "\(blockField).tool_use_id: '\(block.tool_use_id ?? "")' matches no earlier tool_use block",
                            parameter: "\(blockField).tool_use_id")
                    }
                    if !parts.isEmpty {
                        messages.append(ChatMessage(role: .user, content: parts))
                        parts = []
                    }
                    // Each text or image block stays a part of its own.
                    var result: [ContentPart] = []
                    for (partPosition, part) in (block.content?.blocks ?? []).enumerated() {
                        switch part.type {
                        case "text": result.append(.text(part.text ?? ""))
                        case "image": result.append(try Self.image(part.source, field: "\(blockField).content.\(partPosition)"))
                        default:
                            throw .invalidRequest(
                                "\(blockField).content.\(partPosition).type: '\(part.type)' is not supported in a tool_result",
                                parameter: "\(blockField).content.\(partPosition).type")
                        }
                    }
                    messages.append(ChatMessage(role: .tool, content: result, toolCallID: id, isError: block.is_error ?? false))
                case "thinking", "redacted_thinking":
                    continue  // a model's private reasoning does not travel to another provider
                default:
                    throw .invalidRequest(
                        "\(blockField).type: '\(block.type)' is not supported in a \(message.role) message", parameter: "\(blockField).type"
                    )
                }
            }
            if !parts.isEmpty || !calls.isEmpty {
                messages.append(ChatMessage(role: message.role == "user" ? .user : .assistant, content: parts, toolCalls: calls))
            }
        }
        var unmapped: [String] = []
        for member in index.members where !Self.mappedParameters.contains(member.key) && member.kind != .null {
            if !unmapped.contains(member.key) { unmapped.append(member.key) }
        }
        if wire.output_config?.effort != nil { unmapped.append("output_config.effort") }
        let toolChoice: ToolChoice? =
            switch wire.tool_choice?.type {
            case "auto": .auto
            case "any": .required
            case "none": ToolChoice.none
            case "tool": .tool(wire.tool_choice?.name ?? "")
            default: nil
            }
        return ChatRequest(
            model: model, system: wire.system.map { [$0.blocks.compactMap(\.text).joined(separator: "\n")] } ?? [],
            messages: messages, maxOutputTokens: maxOutputTokens, temperature: wire.temperature, topP: wire.top_p,
            stopSequences: wire.stop_sequences ?? [], stream: stream,
            tools: (wire.tools ?? []).map {
                ToolDefinition(
                    name: $0.name, description: $0.description, parameters: $0.input_schema ?? .object(["type": .string("object")]))
            },
            toolChoice: toolChoice, parallelToolCalls: wire.tool_choice?.disable_parallel_tool_use == true ? false : nil,
            responseFormat: try Self.responseFormat(wire.output_config?.format), unmappedParameters: unmapped)
    }

    /// An image block's source as a content part.
    static func image(_ source: AnthropicWire.ImageSourceWire?, field: String) throws(GatewayError) -> ContentPart {
        switch (source?.type, source?.url, source?.data) {
        case ("url", let url?, _): return .image(.url(url))
        case ("base64", _, let data?): return .image(.base64(mediaType: source?.media_type ?? "image/png", data: data))
        default: throw .invalidRequest("\(field).source: expected a base64 or url image source", parameter: "\(field).source")
        }
    }

    /// `output_config.format` (structured output): a JSON schema the answer is held to.
    static func responseFormat(_ format: AnthropicWire.OutputConfig.Format?) throws(GatewayError) -> ResponseFormat? {
        guard let format else { return nil }
        guard format.type == "json_schema" else {
            throw .invalidRequest("output_config.format.type: Input should be 'json_schema'", parameter: "output_config.format.type")
        }
        guard let schema = format.schema, case .object = schema else {
            throw .invalidRequest(
                "output_config.format.schema: Input should be a JSON schema object", parameter: "output_config.format.schema")
        }
        return .jsonSchema(name: "response", schema: schema, strict: true)
    }

    /// A rough input token count for `count_tokens`: about four characters a token plus a few per
    /// message, as the gateway has no provider tokenizer.
    public var estimatedInputTokens: Int {
        TokenUsage.estimatedTokens(bytes: index.bytes.count)
    }
}
