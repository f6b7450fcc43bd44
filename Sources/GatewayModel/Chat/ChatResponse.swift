/// A complete (non-streamed) answer in the gateway's own terms.
public struct ChatResponse: Sendable, Hashable {
    public var id: String
    /// The model that answered, as the provider named it.
    public var model: String
    public var text: String
    public var toolCalls: [ToolCall]
    public var finishReason: FinishReason
    public var usage: TokenUsage

    /// Bytes the model generated: its text and tool-call arguments (for output estimates).
    public var generatedBytes: Int {
        text.utf8.count + toolCalls.reduce(0) { $0 + $1.arguments.utf8.count }
    }

    public init(id: String, model: String, text: String, toolCalls: [ToolCall] = [], finishReason: FinishReason, usage: TokenUsage) {
        self.id = id
        self.model = model
        self.text = text
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.usage = usage
    }
}

/// Why generation stopped, in terms every dialect can express.
public enum FinishReason: String, Sendable, Hashable {
    /// Natural end or a stop sequence.
    case stop
    /// The output token limit.
    case length
    case toolCalls
    case contentFilter
}

/// One step of a streamed answer, decoded from any outbound dialect and encoded into the
/// caller's.
public enum ChatStreamEvent: Sendable, Hashable {
    /// The answer began (Anthropic `message_start`, OpenAI's first chunk).
    case start(id: String, model: String)
    case textDelta(String)
    /// A tool call began at `index` (its position among this answer's calls).
    case toolCallStart(index: Int, id: String, name: String)
    case toolCallArgumentsDelta(index: Int, String)
    case finish(FinishReason)
    /// Token counts; may come more than once (the last one wins).
    case usage(TokenUsage)
}
