/// The API dialect a provider speaks on the wire (`dialect:` in `Routes/`).
///
/// The gateway translates between these; a request whose inbound and outbound
/// formats match takes the byte-level fast path.
public enum WireFormat: String, Sendable, CaseIterable, Codable {
    case openAI = "openai"
    case anthropic
    case gemini
    /// Cohere's v2 rerank shape (also Jina's, vLLM's, Voyage's): rerank only.
    case cohere
    /// Alibaba DashScope's native text rerank (`gte-rerank-v2`): rerank only.
    case dashscope

    /// Which operations a provider of this format serves at all (a provider may also declare
    /// OpenAI's completions and Responses endpoints: `ProviderConfiguration.serves`).
    public func serves(_ operation: UpstreamOperation) -> Bool {
        switch (self, operation) {
        case (.openAI, .chat), (.anthropic, .chat), (.gemini, .chat): true
        case (.openAI, .embeddings), (.gemini, .embeddings): true
        case (.cohere, .rerank), (.dashscope, .rerank): true
        default: false
        }
    }
}

/// Where a provider runs — the residency fact industry policies filter on.
public enum Deployment: String, Sendable, CaseIterable, Codable {
    case `public`
    case `private`
    case onPrem = "on-prem"
}

/// What a model can do beyond plain chat; routing skips a target that lacks what a request needs.
public enum ModelCapability: String, Sendable, CaseIterable, Codable, Comparable {
    case tools
    case json
    case vision
    case reasoning
    case streaming

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
