import GatewayModel

/// Gemini `generateContent` shapes as Codable types. Property names follow the wire
/// (camelCase, as the REST API writes them).
enum GeminiWire {
    struct Request: Codable {
        var contents: [Content]
        var systemInstruction: Content?
        var generationConfig: GenerationConfig?
        var tools: [Tool]?
        var toolConfig: ToolConfig?
    }

    struct Content: Codable {
        var role: String?
        var parts: [Part]
    }

    struct Part: Codable {
        var text: String?
        var inlineData: Blob?
        var fileData: FileData?
        var functionCall: FunctionCall?
        var functionResponse: FunctionResponse?
        /// Gemini 2.5 marks reasoning summaries; they are not part of the answer.
        var thought: Bool?
    }

    struct Blob: Codable {
        var mimeType: String
        var data: String
    }

    struct FileData: Codable {
        var mimeType: String?
        var fileUri: String
    }

    struct FunctionCall: Codable {
        var id: String?
        var name: String
        var args: JSONValue?
    }

    struct FunctionResponse: Codable {
        var id: String?
        var name: String
        var response: JSONValue
    }

    struct GenerationConfig: Codable {
        var temperature: Double?
        var topP: Double?
        var maxOutputTokens: Int?
        var stopSequences: [String]?
        var responseMimeType: String?
        var responseJsonSchema: JSONValue?
        /// The older OpenAPI-subset schema (upper-case type names), read from Gemini callers.
        var responseSchema: JSONValue?
        /// What the gateway writes for a reasoning effort (a caller's own is named as unmapped).
        var thinkingConfig: ThinkingConfig?
    }

    struct ThinkingConfig: Codable {
        var thinkingBudget: Int
    }

    struct Tool: Codable {
        struct Declaration: Codable {
            var name: String
            var description: String?
            /// JSON Schema (what the gateway writes).
            var parametersJsonSchema: JSONValue?
            /// The OpenAPI-subset schema, read from Gemini callers.
            var parameters: JSONValue?
        }

        var functionDeclarations: [Declaration]?
    }

    struct ToolConfig: Codable {
        struct FunctionCallingConfig: Codable {
            var mode: String?
            var allowedFunctionNames: [String]?
        }

        var functionCallingConfig: FunctionCallingConfig?
    }

    struct Response: Decodable {
        struct Candidate: Decodable {
            var content: Content?
            var finishReason: String?
        }

        var candidates: [Candidate]?
        var usageMetadata: Usage?
        var modelVersion: String?
        var responseId: String?
    }

    struct Usage: Decodable {
        var promptTokenCount: Int?
        var candidatesTokenCount: Int?
        var cachedContentTokenCount: Int?
        /// Reasoning tokens, billed as output.
        var thoughtsTokenCount: Int?
    }

    static func finishReason(_ reason: String?, calledTools: Bool) -> FinishReason {
        if calledTools { return .toolCalls }
        switch reason {
        case "MAX_TOKENS": return .length
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY": return .contentFilter
        default: return .stop
        }
    }
}

extension TokenUsage {
    init(gemini usage: GeminiWire.Usage) {
        let thoughts = TokenUsage.clamped(usage.thoughtsTokenCount ?? 0)
        self.init(
            input: usage.promptTokenCount ?? 0, cachedInput: usage.cachedContentTokenCount ?? 0,
            output: TokenUsage.clamped(usage.candidatesTokenCount ?? 0).saturatingAdding(thoughts), reasoning: thoughts)
    }
}
