/// A chat request in the gateway's own terms, between an inbound dialect's decoder and an
/// outbound dialect's encoder.
///
/// Only translated traffic is decoded into this; same-dialect requests keep their bytes.
/// It holds what every supported dialect can express; a dialect that can't carry a field
/// reports it as dropped (or refuses the request) rather than changing its meaning.
public struct ChatRequest: Sendable, Hashable {
    /// As the client sent it (a route, `provider/model` or model name).
    public var model: String
    /// System instructions, in order (OpenAI system/developer messages, Anthropic `system`).
    public var system: [String]
    public var messages: [ChatMessage]
    public var maxOutputTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var stopSequences: [String]
    public var stream: Bool
    public var tools: [ToolDefinition]
    public var toolChoice: ToolChoice?
    /// `false`: at most one tool call per turn (OpenAI `parallel_tool_calls: false`, Anthropic
    /// `tool_choice.disable_parallel_tool_use: true`); nil leaves the provider's default.
    public var parallelToolCalls: Bool?
    public var responseFormat: ResponseFormat?
    /// How much a reasoning model should think; nil leaves the provider's default.
    public var reasoningEffort: ReasoningEffort?
    /// Parameters the inbound dialect had that no canonical field carries (`n`, `seed`,
    /// `logprobs`…), by wire name: an outbound dialect that can't honour them lists them
    /// in `x-switchyard-dropped`.
    public var unmappedParameters: [String]

    public init(
        model: String, system: [String] = [], messages: [ChatMessage], maxOutputTokens: Int? = nil,
        temperature: Double? = nil, topP: Double? = nil, stopSequences: [String] = [], stream: Bool = false,
        tools: [ToolDefinition] = [], toolChoice: ToolChoice? = nil, parallelToolCalls: Bool? = nil,
        responseFormat: ResponseFormat? = nil, reasoningEffort: ReasoningEffort? = nil, unmappedParameters: [String] = []
    ) {
        self.model = model
        self.system = system
        self.messages = messages
        self.maxOutputTokens = maxOutputTokens
        self.temperature = temperature
        self.topP = topP
        self.stopSequences = stopSequences
        self.stream = stream
        self.tools = tools
        self.toolChoice = toolChoice
        self.parallelToolCalls = parallelToolCalls
        self.responseFormat = responseFormat
        self.reasoningEffort = reasoningEffort
        self.unmappedParameters = unmappedParameters
    }
}

/// One turn of a conversation.
public struct ChatMessage: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable {
        case user
        case assistant
        /// The result of a tool call, answering ``toolCallID``.
        case tool
    }

    public var role: Role
    public var content: [ContentPart]
    /// Calls the assistant made in this turn.
    public var toolCalls: [ToolCall]
    /// For `.tool` messages: the call this answers.
    public var toolCallID: String?
    /// For `.tool` messages: the tool reported failure.
    public var isError: Bool

    public init(
        role: Role, content: [ContentPart], toolCalls: [ToolCall] = [], toolCallID: String? = nil, isError: Bool = false
    ) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.isError = isError
    }

    /// The text parts joined, for dialects whose field is a plain string.
    public var text: String {
        texts.joined()
    }

    /// The text parts, each on its own (a tool result's parts keep their separation).
    public var texts: [String] {
        content.compactMap { if case .text(let text) = $0 { text } else { nil } }
    }

    /// Whether any part is an image.
    public var hasImages: Bool {
        content.contains { if case .image = $0 { true } else { false } }
    }
}

public enum ContentPart: Sendable, Hashable {
    case text(String)
    case image(ImageSource)
}

public enum ImageSource: Sendable, Hashable {
    case url(String)
    case base64(mediaType: String, data: String)

    /// Parses a `data:image/png;base64,…` URL into its parts; any other URL stays a URL.
    public init(url: String) {
        if url.hasPrefix("data:"), let comma = url.firstIndex(of: ","),
            url[..<comma].hasSuffix(";base64")
        {
            let header = url[url.index(url.startIndex, offsetBy: 5)..<comma].dropLast(";base64".count)
            self = .base64(mediaType: String(header), data: String(url[url.index(after: comma)...]))
        } else {
            self = .url(url)
        }
    }

    /// As a URL (base64 images become `data:` URLs).
    public var urlString: String {
        switch self {
        case .url(let url): url
        case .base64(let mediaType, let data): "data:\(mediaType);base64,\(data)"
        }
    }
}

/// A function the model may call.
public struct ToolDefinition: Sendable, Hashable {
    public var name: String
    public var description: String?
    /// JSON Schema of the arguments.
    public var parameters: JSONValue

    public init(name: String, description: String? = nil, parameters: JSONValue = .object(["type": .string("object")])) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

public enum ToolChoice: Sendable, Hashable {
    case auto
    case none
    /// Must call some tool (OpenAI `required`, Anthropic `any`).
    case required
    case tool(String)
}

public enum ResponseFormat: Sendable, Hashable {
    case text
    case jsonObject
    /// `strict`: the provider must hold the answer to the schema (OpenAI's `strict`; Anthropic's
    /// and Gemini's schema output always is).
    case jsonSchema(name: String, schema: JSONValue, strict: Bool)
}

/// A tool call made by the assistant; `arguments` is the JSON text the model produced.
public struct ToolCall: Sendable, Hashable {
    public var id: String
    public var name: String
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}
