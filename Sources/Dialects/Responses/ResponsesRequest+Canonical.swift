import Foundation
public import GatewayModel
import JSONScanning

extension ResponsesRequest {
    /// Parameters the canonical model carries, or the gateway answers itself (`store`,
    /// `metadata` and `previous_response_id` are the gateway's, echoed in the Response); any
    /// other non-empty member is named as dropped (or refused) by the target.
    static let mappedParameters: Set<String> = [
        "model", "input", "instructions", "max_output_tokens", "temperature", "top_p", "tools", "tool_choice",
        "parallel_tool_calls", "text", "stream", "store", "metadata", "previous_response_id", "reasoning",
    ]

    /// The request in canonical form: `instructions` and system/developer messages become the
    /// system prompt, input items the turns (a `function_call` joins the assistant turn before
    /// it, a `function_call_output` answers it). Reasoning items are left out: a model's own
    /// reasoning is private to its provider, which is never the only one a route may pick.
    public func canonical() throws(GatewayError) -> ChatRequest {
        let wire: ResponsesWire.Request
        do {
            wire = try JSONDecoder().decode(ResponsesWire.Request.self, fromBytes: index.bytes)
        } catch let error as DecodingError {
            throw GatewayError.invalidValue(error)
        } catch {
            throw .invalidRequest("The request body could not be read: \(error)", parameter: nil, code: "invalid_value")
        }
        var conversation = Conversation(system: wire.instructions.map { [$0] } ?? [])
        if let history = self.conversation.history {
            // Stored by the gateway from an earlier answer: items it wrote itself.
            let items = (try? JSONDecoder().decode([ResponsesWire.Item].self, fromBytes: history)) ?? []
            for (position, item) in items.enumerated() { try conversation.append(item, field: "previous_response_id[\(position)]") }
        }
        switch wire.input {
        case .text(let text): conversation.messages.append(ChatMessage(role: .user, content: [.text(text)]))
        case .items(let items):
            for (position, item) in items.enumerated() { try conversation.append(item, field: "input[\(position)]") }
        }
        var unmapped: [String] = []
        for member in index.members where !Self.mappedParameters.contains(member.key) && !Self.isEmpty(member, in: index) {
            unmapped.appendOnce(member.key)
        }
        let reasoning = index.object("reasoning")
        let effort = try reasoning?.string("effort").map { text throws(GatewayError) in
            try ReasoningEffort(text, parameter: "reasoning", field: "reasoning.effort")
        }
        // Summaries of a model's reasoning are the provider's to write, and no translated target does.
        for key in ["summary", "generate_summary"] where reasoning?[key].map({ $0.kind != .null }) == true {
            unmapped.appendOnce("reasoning.\(key)")
        }
        return ChatRequest(
            model: model, system: conversation.system, messages: conversation.messages, maxOutputTokens: wire.max_output_tokens,
            temperature: wire.temperature, topP: wire.top_p, stream: stream,
            tools: try (wire.tools ?? []).enumerated().map { position, tool throws(GatewayError) in try Self.tool(tool, position) },
            toolChoice: try wire.tool_choice.map { choice throws(GatewayError) in try Self.toolChoice(choice) },
            parallelToolCalls: wire.parallel_tool_calls,
            responseFormat: try wire.text?.format.map { format throws(GatewayError) in try Self.responseFormat(format) },
            reasoningEffort: effort, unmappedParameters: unmapped)
    }

    /// `null`, `[]` and `{}` ask for nothing.
    private static func isEmpty(_ member: JSONObjectIndex.Member, in index: JSONObjectIndex) -> Bool {
        switch member.kind {
        case .null: true
        case .array: index.arrayCount(member.key) == 0
        case .object: index.object(member.key)?.members.isEmpty ?? false
        default: false
        }
    }

    private static func tool(_ tool: ResponsesWire.Tool, _ position: Int) throws(GatewayError) -> ToolDefinition {
        guard tool.type == "function" else {
            throw .invalidRequest(
                "'tools[\(position)]' is the built-in tool '\(tool.type)', which runs only on OpenAI's own Responses API; no target of this gateway runs it. Offer it as a function tool, or leave it out.",
                parameter: "tools[\(position)].type", code: "unsupported_tool")
        }
        guard let name = tool.name, !name.isEmpty else {
            throw .invalidRequest(
                "Missing required parameter: 'tools[\(position)].name'.", parameter: "tools[\(position)].name",
                code: "missing_required_parameter")
        }
        return ToolDefinition(
            name: name, description: tool.description,
            parameters: tool.parameters ?? .object(["type": .string("object"), "properties": .object([:])]))
    }

    private static func toolChoice(_ choice: ResponsesWire.ToolChoiceWire) throws(GatewayError) -> ToolChoice {
        switch choice {
        case .mode("auto"): return .auto
        case .mode("none"): return .none
        case .mode("required"): return .required
        case .typed("function", let name?): return .tool(name)
        case .mode(let other), .typed(let other, _):
            throw .invalidRequest(
                "'tool_choice' must be auto, none, required or {\"type\": \"function\", \"name\": …}; got '\(other)'.",
                parameter: "tool_choice", code: "invalid_value")
        }
    }

    private static func responseFormat(_ format: ResponsesWire.Text.Format) throws(GatewayError) -> ResponseFormat {
        switch format.type {
        case "text": return .text
        case "json_object": return .jsonObject
        case "json_schema":
            guard let schema = format.schema else {
                throw .invalidRequest(
                    "Missing required parameter: 'text.format.schema'.", parameter: "text.format.schema",
                    code: "missing_required_parameter")
            }
            return .jsonSchema(name: format.name ?? "response", schema: schema, strict: format.strict ?? false)
        default:
            throw .invalidRequest(
                "'text.format.type' must be text, json_object or json_schema.", parameter: "text.format.type", code: "invalid_value")
        }
    }
}

/// Input items folded into canonical turns.
private struct Conversation {
    var system: [String]
    var messages: [ChatMessage] = []

    mutating func append(_ item: ResponsesWire.Item, field: String) throws(GatewayError) {
        switch item.type ?? (item.role != nil ? "message" : nil) {
        case "message":
            try appendMessage(item, field: field)
        case "function_call":
            guard let callID = item.call_id, let name = item.name else {
                throw .invalidRequest(
                    "'\(field)' (function_call) needs call_id and name.", parameter: field, code: "missing_required_parameter")
            }
            let call = ToolCall(id: callID, name: name, arguments: item.arguments ?? "{}")
            if let last = messages.indices.last, messages[last].role == .assistant {
                messages[last].toolCalls.append(call)
            } else {
                messages.append(ChatMessage(role: .assistant, content: [], toolCalls: [call]))
            }
        case "function_call_output":
            guard let callID = item.call_id else {
                throw .invalidRequest(
                    "Missing required parameter: '\(field).call_id'.", parameter: "\(field).call_id", code: "missing_required_parameter")
            }
            guard messages.contains(where: { $0.toolCalls.contains { $0.id == callID } }) else {
                throw .invalidRequest(
                    "'\(field).call_id' (\(callID)) does not match any earlier function_call.", parameter: "\(field).call_id",
                    code: "invalid_value")
            }
            let content = try Self.parts(item.output, field: "\(field).output")
            messages.append(ChatMessage(role: .tool, content: content, toolCallID: callID))
        case "reasoning":
            break  // private to the provider that wrote it (see `canonical()`)
        case "item_reference":
            throw GatewayError(
                kind: .notFound, status: 404, message: "Item with id '\(item.id ?? "")' not found.",
                parameter: "\(field).id", code: "item_not_found")
        case nil:
            throw .invalidRequest(
                "Missing required parameter: '\(field).type'.", parameter: "\(field).type", code: "missing_required_parameter")
        case let other?:
            throw .invalidRequest(
                "'\(field).type' '\(other)' is not supported here (message, function_call, function_call_output, reasoning).",
                parameter: "\(field).type", code: "invalid_value")
        }
    }

    private mutating func appendMessage(_ item: ResponsesWire.Item, field: String) throws(GatewayError) {
        let content = try Self.parts(item.content, field: "\(field).content")
        switch item.role {
        case "user":
            messages.append(ChatMessage(role: .user, content: content))
        case "system", "developer":
            var texts: [String] = []
            for part in content {
                guard case .text(let text) = part else {
                    throw .invalidRequest("'\(field).content' may only hold text.", parameter: "\(field).content", code: "invalid_value")
                }
                texts.append(text)
            }
            system.append(texts.joined())
        case "assistant":
            if let last = messages.indices.last, messages[last].role == .assistant, messages[last].toolCalls.isEmpty {
                messages[last].content += content
            } else {
                messages.append(ChatMessage(role: .assistant, content: content))
            }
        case nil:
            throw .invalidRequest(
                "Missing required parameter: '\(field).role'.", parameter: "\(field).role", code: "missing_required_parameter")
        case let other?:
            throw .invalidRequest(
                "'\(field).role' must be one of user, assistant, system, developer; got '\(other)'.", parameter: "\(field).role",
                code: "invalid_value")
        }
    }

    static func parts(_ content: ResponsesWire.Content?, field: String) throws(GatewayError) -> [ContentPart] {
        switch content {
        case nil: return []
        case .text(let text): return [.text(text)]
        case .parts(let parts):
            return try parts.enumerated().map { position, part throws(GatewayError) in
                let partField = "\(field)[\(position)]"
                switch part.type {
                case "input_text", "output_text", "text": return .text(part.text ?? "")
                case "refusal": return .text(part.refusal ?? part.text ?? "")
                case "input_image":
                    guard let url = part.image_url else {
                        throw .invalidRequest(
                            "'\(partField)' needs image_url (a URL or a data: URL); file_id needs OpenAI's Files API, which no target here has.",
                            parameter: "\(partField).image_url", code: "missing_required_parameter")
                    }
                    return .image(ImageSource(url: url))
                default:
                    throw .invalidRequest(
                        "'\(partField).type' '\(part.type)' is not supported here (input_text, input_image, output_text).",
                        parameter: "\(partField).type", code: "invalid_value")
                }
            }
        }
    }
}
