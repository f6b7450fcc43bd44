import Foundation
public import GatewayModel
import JSONScanning
import NIOCore
import ServerSentEvents

/// Google Gemini's `generateContent` API as an outbound dialect: roles `user` / `model`,
/// `systemInstruction`, `generationConfig`, function calls and responses as parts.
///
/// Gemini function calls may come without ids; the gateway names them `call_gemini_<n>_<name>`
/// so the caller's tool results can be matched back (a result's function name is looked up
/// from the call it answers). Call ids are never sent to Gemini: it matches a response to its
/// call by name and order, and ids minted by another provider would mean nothing to it.
public struct GeminiDialect: ProviderDialect {
    public init() {}

    /// A thinking budget for each effort, within what every thinking Gemini model takes
    /// (2.5 Pro thinks at least 128 tokens and Flash at most 24 576).
    static func thinkingBudget(_ level: ReasoningEffort.Level) -> Int {
        switch level {
        case .none, .minimal: 128
        case .low: 1024
        case .medium: 8192
        case .high, .xhigh: 24576
        }
    }

    public func encode(
        _ request: ChatRequest, upstreamModel: String, defaults: OutboundDefaults
    ) throws(GatewayError) -> OutboundRequest {
        var dropped = request.unmappedParameters
        // Gemini has no switch for one call per turn.
        if request.parallelToolCalls == false, !request.tools.isEmpty { dropped.appendOnce(DroppedName.parallelToolCalls) }
        var contents: [GeminiWire.Content] = []
        var callNames: [String: String] = [:]
        for (position, message) in request.messages.enumerated() {
            let role = message.role == .assistant ? "model" : "user"
            var parts: [GeminiWire.Part] = []
            switch message.role {
            case .tool:
                let id = message.toolCallID ?? ""
                guard let name = callNames[id] else {
                    throw .invalidRequest(
                        "'messages[\(position)]' answers tool call '\(id)', which no earlier assistant message made.",
                        parameter: "messages[\(position)].tool_call_id", code: "invalid_value")
                }
                // A function response is one JSON value: several text parts are kept apart as lines.
                if message.hasImages { dropped.appendOnce(DroppedName.toolResultImage) }
                let text = message.texts.joined(separator: "\n")
                let result: JSONValue = message.isError ? .object(["error": .string(text)]) : .object(["result": .string(text)])
                parts.append(GeminiWire.Part(functionResponse: .init(id: nil, name: name, response: result)))
            case .user, .assistant:
                for part in message.content {
                    switch part {
                    case .text(let text) where !text.isEmpty: parts.append(GeminiWire.Part(text: text))
                    case .text: continue
                    case .image(.base64(let mediaType, let data)):
                        parts.append(GeminiWire.Part(inlineData: .init(mimeType: mediaType, data: data)))
                    case .image(.url(let url)):
                        parts.append(GeminiWire.Part(fileData: .init(mimeType: Self.mimeType(forURL: url), fileUri: url)))
                    }
                }
                for (callPosition, call) in message.toolCalls.enumerated() {
                    callNames[call.id] = call.name
                    let args: JSONValue
                    do {
                        args = try JSONDecoder().decode(JSONValue.self, fromBytes: call.arguments.isEmpty ? "{}".utf8 : call.arguments.utf8)
                    } catch {
                        throw .invalidRequest(
                            "'messages[\(position)].tool_calls[\(callPosition)].function.arguments' is not valid JSON.",
                            parameter: "messages[\(position)].tool_calls[\(callPosition)].function.arguments", code: "invalid_value")
                    }
                    parts.append(GeminiWire.Part(functionCall: .init(id: nil, name: call.name, args: args)))
                }
            }
            guard !parts.isEmpty else { continue }
            // Gemini wants user and model turns to alternate: consecutive ones join.
            if let last = contents.last, last.role == role {
                contents[contents.count - 1].parts += parts
            } else {
                contents.append(GeminiWire.Content(role: role, parts: parts))
            }
        }
        var config = GeminiWire.GenerationConfig(
            temperature: request.temperature, topP: request.topP, maxOutputTokens: request.maxOutputTokens,
            stopSequences: request.stopSequences.isEmpty ? nil : request.stopSequences)
        switch request.responseFormat {
        case nil, .text?: break
        case .jsonObject?: config.responseMimeType = "application/json"
        case .jsonSchema(_, let schema, _)?:
            config.responseMimeType = "application/json"
            config.responseJsonSchema = schema
        }
        if let effort = request.reasoningEffort {
            if defaults.reasons {
                config.thinkingConfig = .init(thinkingBudget: Self.thinkingBudget(effort.level))
            } else {
                dropped.appendOnce(effort.parameter)
            }
        }
        let hasConfig =
            config.temperature != nil || config.topP != nil || config.maxOutputTokens != nil
            || config.stopSequences != nil || config.responseMimeType != nil || config.thinkingConfig != nil
        let toolConfig: GeminiWire.ToolConfig? = request.toolChoice.map {
            switch $0 {
            case .auto: .init(functionCallingConfig: .init(mode: "AUTO"))
            case .none: .init(functionCallingConfig: .init(mode: "NONE"))
            case .required: .init(functionCallingConfig: .init(mode: "ANY"))
            case .tool(let name): .init(functionCallingConfig: .init(mode: "ANY", allowedFunctionNames: [name]))
            }
        }
        let wire = GeminiWire.Request(
            contents: contents,
            systemInstruction: request.system.isEmpty
                ? nil : GeminiWire.Content(parts: [GeminiWire.Part(text: request.system.joined(separator: "\n\n"))]),
            generationConfig: hasConfig ? config : nil,
            tools: request.tools.isEmpty
                ? nil
                : [
                    GeminiWire.Tool(
                        functionDeclarations: request.tools.map {
                            .init(name: $0.name, description: $0.description, parametersJsonSchema: $0.parameters)
                        })
                ],
            toolConfig: toolConfig)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        guard let body = try? encoder.encode(wire) else {
            throw .invalidRequest("The request could not be encoded for the provider.", parameter: nil, code: "invalid_value")
        }
        return OutboundRequest(body: Array(body), dropped: dropped)
    }

    static func mimeType(forURL url: String) -> String {
        let lowered = url.lowercased()
        if lowered.hasSuffix(".png") { return "image/png" }
        if lowered.hasSuffix(".gif") { return "image/gif" }
        if lowered.hasSuffix(".webp") { return "image/webp" }
        return "image/jpeg"
    }

    public func decodeResponse(_ body: [UInt8]) throws(DialectDecodingError) -> ChatResponse {
        let wire: GeminiWire.Response
        do {
            wire = try JSONDecoder().decode(GeminiWire.Response.self, fromBytes: body)
        } catch {
            throw DialectDecodingError("the answer is not a Gemini GenerateContentResponse")
        }
        guard let candidate = wire.candidates?.first else { throw DialectDecodingError("the answer has no candidates") }
        var text = ""
        var calls: [ToolCall] = []
        for part in candidate.content?.parts ?? [] where part.thought != true {
            if let partText = part.text { text += partText }
            if let call = part.functionCall {
                calls.append(
                    ToolCall(
                        id: call.id ?? "call_gemini_\(calls.count)_\(call.name)", name: call.name,
                        arguments: (call.args ?? .object([:])).jsonText))
            }
        }
        return ChatResponse(
            id: wire.responseId ?? "gemini", model: wire.modelVersion ?? "", text: text, toolCalls: calls,
            finishReason: GeminiWire.finishReason(candidate.finishReason, calledTools: !calls.isEmpty),
            usage: wire.usageMetadata.map(TokenUsage.init(gemini:)) ?? TokenUsage())
    }

    public func makeStreamDecoder() -> any ChatStreamDecoding {
        GeminiStreamDecoder()
    }
}

/// `streamGenerateContent?alt=sse`: each event is a partial GenerateContentResponse; function
/// calls arrive whole; the last event carries the finish reason and usage. There is no end
/// sentinel: a finish reason marks the clean end.
struct GeminiStreamDecoder: ChatStreamDecoding {
    private var stream = JSONEventStream<GeminiWire.Response>(payloadName: "a Gemini GenerateContentResponse")
    private var started = false
    private var callCount = 0
    private(set) var isComplete = false

    mutating func decode(_ chunk: ByteBuffer) throws(DialectDecodingError) -> [ChatStreamEvent] {
        var output: [ChatStreamEvent] = []
        for case let wire? in try stream.payloads(in: chunk) {
            if !started {
                started = true
                output.append(.start(id: wire.responseId ?? "gemini", model: wire.modelVersion ?? ""))
            }
            let candidate = wire.candidates?.first
            for part in candidate?.content?.parts ?? [] where part.thought != true {
                if let text = part.text, !text.isEmpty { output.append(.textDelta(text)) }
                if let call = part.functionCall {
                    let index = callCount
                    callCount += 1
                    output.append(.toolCallStart(index: index, id: call.id ?? "call_gemini_\(index)_\(call.name)", name: call.name))
                    output.append(.toolCallArgumentsDelta(index: index, (call.args ?? .object([:])).jsonText))
                }
            }
            if let reason = candidate?.finishReason {
                isComplete = true
                output.append(.finish(GeminiWire.finishReason(reason, calledTools: callCount > 0)))
            }
            if let usage = wire.usageMetadata, isComplete { output.append(.usage(TokenUsage(gemini: usage))) }
        }
        return output
    }
}
