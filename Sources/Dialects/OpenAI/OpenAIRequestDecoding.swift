import Foundation
public import GatewayModel
import JSONScanning

extension OpenAIChatRequest {
    /// Parameters the canonical model carries; any other non-null top-level member is
    /// reported as unmapped (and dropped or refused by a provider that can't honour it).
    static let mappedParameters: Set<String> = [
        "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "stream",
        "stream_options", "tools", "tool_choice", "response_format", "parallel_tool_calls", "reasoning_effort",
    ]

    /// The request in canonical form, for a provider of another dialect. Errors name the field.
    public func canonical() throws(GatewayError) -> ChatRequest {
        let wire: OpenAIWire.Request
        do {
            wire = try JSONDecoder().decode(OpenAIWire.Request.self, fromBytes: index.bytes)
        } catch let error as DecodingError {
            throw GatewayError.invalidValue(error)
        } catch {
            throw .invalidRequest("The request body could not be read: \(error)", parameter: nil, code: "invalid_value")
        }
        var system: [String] = []
        var messages: [ChatMessage] = []
        for (position, message) in wire.messages.enumerated() {
            let field = "messages[\(position)]"
            switch message.role {
            case "system", "developer":
                system.append(try message.content?.text(field: field) ?? "")
            case "user":
                messages.append(ChatMessage(role: .user, content: try message.content?.parts(field: field) ?? []))
            case "assistant":
                let calls = (message.tool_calls ?? []).map {
                    ToolCall(id: $0.id, name: $0.function.name, arguments: $0.function.arguments)
                }
                messages.append(
                    ChatMessage(role: .assistant, content: try message.content?.parts(field: field) ?? [], toolCalls: calls))
            case "tool":
                guard let id = message.tool_call_id else {
                    throw .invalidRequest(
                        "Missing required parameter: '\(field).tool_call_id'.", parameter: "\(field).tool_call_id",
                        code: "missing_required_parameter")
                }
                let answered = messages.contains { $0.toolCalls.contains { $0.id == id } }
                guard answered else {
                    throw .invalidRequest(
                        "'\(field).tool_call_id' (\(id)) does not match any earlier assistant tool call.",
                        parameter: "\(field).tool_call_id", code: "invalid_value")
                }
                // The parts stay apart (`a.txt`, `b.txt` are two results, not `a.txtb.txt`).
                messages.append(ChatMessage(role: .tool, content: try message.content?.parts(field: field) ?? [], toolCallID: id))
            default:
                throw .invalidRequest(
                    "'\(field).role' must be one of system, developer, user, assistant, tool; got '\(message.role)'.",
                    parameter: "\(field).role", code: "invalid_value")
            }
        }
        let effort = try index.string("reasoning_effort").map { text throws(GatewayError) in
            try ReasoningEffort(text, parameter: "reasoning_effort", field: "reasoning_effort")
        }
        var unmapped: [String] = []
        for member in index.members where !Self.mappedParameters.contains(member.key) && member.kind != .null {
            if !unmapped.contains(member.key) { unmapped.append(member.key) }
        }
        return ChatRequest(
            model: model, system: system, messages: messages,
            maxOutputTokens: wire.max_completion_tokens ?? wire.max_tokens, temperature: wire.temperature,
            topP: wire.top_p, stopSequences: wire.stop?.values ?? [], stream: stream,
            tools: try (wire.tools ?? []).enumerated().map { position, tool throws(GatewayError) in
                guard tool.type == "function", let function = tool.function else {
                    throw .invalidRequest(
                        "'tools[\(position)].type' must be 'function'.", parameter: "tools[\(position)].type", code: "invalid_value")
                }
                return ToolDefinition(
                    name: function.name, description: function.description,
                    parameters: function.parameters ?? .object(["type": .string("object"), "properties": .object([:])]))
            },
            toolChoice: try wire.tool_choice?.canonical(), parallelToolCalls: wire.parallel_tool_calls,
            responseFormat: try wire.response_format?.canonical(), reasoningEffort: effort,
            unmappedParameters: unmapped)
    }
}
