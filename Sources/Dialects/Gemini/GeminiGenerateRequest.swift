import Foundation
public import GatewayModel
public import JSONScanning

/// An inbound Gemini `generateContent` / `streamGenerateContent` request (google-genai and other
/// Google SDK callers): the model and method come from the path, the rest from the body.
///
/// Gemini gives function calls no ids: a call is named `call_gemini_<n>_<name>` (its position
/// among the conversation's calls), the scheme the outbound side uses, and a function response
/// answers the earliest unanswered call of its name (or the call its `id` names).
public struct GeminiGenerateRequest: Sendable {
    public let index: JSONObjectIndex
    /// A route, `provider/model` or model name (the path's `models/` prefix removed).
    public let model: String
    public let stream: Bool
    public let maxOutputTokens: Int?

    /// Validates `body`; errors name the field at fault.
    public init(body: [UInt8], model: String, stream: Bool) throws(GatewayError) {
        let index = try JSONObjectIndex(requestBody: body)
        guard !model.isEmpty else { throw .invalidRequest("The model in the path is empty.", parameter: "model") }
        guard index["contents"]?.kind == .array, (index.arrayCount("contents") ?? 0) > 0 else {
            throw .invalidRequest("contents must be a non-empty array.", parameter: "contents")
        }
        let configKey = index.protoJSONName("generationConfig")
        if let config = index[configKey], config.kind != .null {
            guard config.kind == .object else {
                throw .invalidRequest("generationConfig must be an object.", parameter: "generationConfig")
            }
        }
        let generation = index.object(configKey)
        let limitKey = generation?.protoJSONName("maxOutputTokens") ?? "maxOutputTokens"
        if let member = generation?[limitKey], member.kind != .null {
            guard member.kind == .number, let value = generation?.int(limitKey),
                (1...RoutingFacts.maximumOutputTokens).contains(value)
            else {
                throw .invalidRequest(
                    "generationConfig.maxOutputTokens must be an integer from 1 to \(RoutingFacts.maximumOutputTokens).",
                    parameter: "generationConfig.maxOutputTokens")
            }
        }
        self.index = index
        self.model = model
        self.stream = stream
        self.maxOutputTokens = generation?.int(limitKey)
    }

    static let mappedParameters: Set<String> = ["contents", "systemInstruction", "generationConfig", "tools", "toolConfig"]
    static let mappedGenerationConfig: Set<String> = [
        "temperature", "topP", "maxOutputTokens", "stopSequences", "responseMimeType", "responseJsonSchema", "responseSchema",
    ]

    /// The request in canonical form, for a provider of another dialect.
    public func canonical() throws(GatewayError) -> ChatRequest {
        let wire: GeminiWire.Request
        do {
            wire = try JSONDecoder().decode(GeminiWire.Request.self, fromBytes: index.bytes)
        } catch let error as DecodingError {
            throw GatewayError.invalidValue(error)
        } catch {
            throw .invalidRequest("The request body could not be read.")
        }
        var messages: [ChatMessage] = []
        var callCount = 0
        var unanswered: [(id: String, name: String)] = []
        for (position, content) in wire.contents.enumerated() {
            let field = "contents[\(position)]"
            let role = content.role ?? "user"
            guard role == "user" || role == "model" else {
                throw .invalidRequest("\(field).role must be 'user' or 'model'.", parameter: "\(field).role")
            }
            var parts: [ContentPart] = []
            var calls: [ToolCall] = []
            for (partPosition, part) in content.parts.enumerated() where part.thought != true {
                let partField = "\(field).parts[\(partPosition)]"
                if let text = part.text { parts.append(.text(text)) }
                if let blob = part.inlineData {
                    guard blob.mimeType.hasPrefix("image/") else {
                        throw .invalidRequest(
                            "\(partField).inlineData: only images travel to other providers (got \(blob.mimeType)).",
                            parameter: "\(partField).inlineData")
                    }
                    parts.append(.image(.base64(mediaType: blob.mimeType, data: blob.data)))
                }
                if let file = part.fileData { parts.append(.image(.url(file.fileUri))) }
                if let call = part.functionCall {
                    guard role == "model" else {
                        throw .invalidRequest(
                            "\(partField).functionCall belongs in a 'model' turn.", parameter: "\(partField).functionCall")
                    }
                    let id = call.id ?? "call_gemini_\(callCount)_\(call.name)"
                    callCount += 1
                    unanswered.append((id, call.name))
                    calls.append(ToolCall(id: id, name: call.name, arguments: (call.args ?? .object([:])).jsonText))
                }
                if let response = part.functionResponse {
                    let match = unanswered.firstIndex { call in
                        if let id = response.id { call.id == id } else { call.name == response.name }
                    }
                    guard let match else {
                        throw .invalidRequest(
                            "\(partField).functionResponse '\(response.name)' answers no earlier functionCall.",
                            parameter: "\(partField).functionResponse")
                    }
                    let id = unanswered.remove(at: match).id
                    if !parts.isEmpty || !calls.isEmpty {
                        messages.append(ChatMessage(role: role == "model" ? .assistant : .user, content: parts, toolCalls: calls))
                        (parts, calls) = ([], [])
                    }
                    let (text, isError) = Self.resultText(response.response)
                    messages.append(ChatMessage(role: .tool, content: [.text(text)], toolCallID: id, isError: isError))
                }
            }
            if !parts.isEmpty || !calls.isEmpty {
                messages.append(ChatMessage(role: role == "model" ? .assistant : .user, content: parts, toolCalls: calls))
            }
        }
        var unmapped: [String] = []
        for member in index.members where !Self.mappedParameters.contains(ProtoJSONKey.camelCase(member.key)) && member.kind != .null {
            unmapped.appendOnce(member.key)
        }
        let config = index.object(index.protoJSONName("generationConfig"))
        for member in config?.members ?? [] where !Self.mappedGenerationConfig.contains(ProtoJSONKey.camelCase(member.key)) {
            unmapped.appendOnce("generationConfig.\(member.key)")
        }
        var tools: [ToolDefinition] = []
        for (position, tool) in (wire.tools ?? []).enumerated() {
            for declaration in tool.functionDeclarations ?? [] {
                let schema =
                    declaration.parametersJsonSchema ?? declaration.parameters.map(Self.jsonSchema) ?? .object(["type": .string("object")])
                tools.append(ToolDefinition(name: declaration.name, description: declaration.description, parameters: schema))
            }
            // Google's own tools (googleSearch, codeExecution, urlContext…) run only at Google.
            for member in index.objects(inArray: "tools")?[position].members ?? []
            where ProtoJSONKey.camelCase(member.key) != "functionDeclarations" {
                unmapped.appendOnce("tools.\(member.key)")
            }
        }
        let generation = wire.generationConfig
        return ChatRequest(
            model: model, system: wire.systemInstruction.map { [$0.parts.compactMap(\.text).joined(separator: "\n")] } ?? [],
            messages: messages, maxOutputTokens: generation?.maxOutputTokens, temperature: generation?.temperature,
            topP: generation?.topP, stopSequences: generation?.stopSequences ?? [], stream: stream, tools: tools,
            toolChoice: try Self.toolChoice(wire.toolConfig?.functionCallingConfig), responseFormat: try Self.responseFormat(generation),
            unmappedParameters: unmapped)
    }

    /// A function response's text: `{"result": "…"}` (or `output`) as its string, `{"error": …}`
    /// as a failed result, anything else as its JSON.
    static func resultText(_ response: JSONValue) -> (String, isError: Bool) {
        if case .object(let members) = response, members.count == 1, let (key, value) = members.first {
            switch (key, value) {
            case ("result", .string(let text)), ("output", .string(let text)): return (text, false)
            case ("error", .string(let text)): return (text, true)
            case ("error", _): return (value.jsonText, true)
            default: break
            }
        }
        return (response.jsonText, false)
    }

    static func toolChoice(_ config: GeminiWire.ToolConfig.FunctionCallingConfig?) throws(GatewayError) -> ToolChoice? {
        switch config?.mode?.uppercased() {
        case nil, "MODE_UNSPECIFIED": return nil
        case "AUTO", "VALIDATED": return .auto
        case "NONE": return ToolChoice.none
        case "ANY":
            if let names = config?.allowedFunctionNames, names.count == 1 { return .tool(names[0]) }
            return .required
        default:
            throw .invalidRequest(
                "toolConfig.functionCallingConfig.mode must be AUTO, ANY or NONE.", parameter: "toolConfig.functionCallingConfig.mode")
        }
    }

    static func responseFormat(_ config: GeminiWire.GenerationConfig?) throws(GatewayError) -> ResponseFormat? {
        guard let config, config.responseMimeType == "application/json" else {
            if config?.responseJsonSchema != nil || config?.responseSchema != nil {
                throw .invalidRequest(
                    "generationConfig.responseMimeType must be application/json when a response schema is given.",
                    parameter: "generationConfig.responseMimeType")
            }
            return nil
        }
        guard let schema = config.responseJsonSchema ?? config.responseSchema.map(jsonSchema) else { return .jsonObject }
        guard case .object = schema else {
            throw .invalidRequest(
                "generationConfig.responseJsonSchema must be a JSON schema object.", parameter: "generationConfig.responseJsonSchema")
        }
        return .jsonSchema(name: "response", schema: schema, strict: true)
    }

    /// Gemini's OpenAPI-subset schema as JSON Schema: type names lower-cased (`OBJECT` → `object`).
    static func jsonSchema(_ schema: JSONValue) -> JSONValue {
        switch schema {
        case .array(let items): return .array(items.map(jsonSchema))
        case .object(let members):
            var converted: [String: JSONValue] = [:]
            for (key, value) in members {
                if key == "type", case .string(let name) = value {
                    converted[key] = .string(name.lowercased())
                } else if key == "properties", case .object(let properties) = value {
                    converted[key] = .object(properties.mapValues(jsonSchema))
                } else {
                    converted[key] = jsonSchema(value)
                }
            }
            return .object(converted)
        default: return schema
        }
    }

    /// A rough token count for `countTokens`, on the gateway's four-bytes-a-token rule.
    public var estimatedInputTokens: Int { TokenUsage.estimatedTokens(bytes: index.bytes.count) }
}
