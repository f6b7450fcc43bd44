/// Which of a provider's endpoints a call goes to, and which API the app called (the ledger's
/// `operation`).
///
/// Every chat dialect has a chat endpoint; an OpenAI-style provider may also declare the legacy
/// completions endpoint (`completions: true`) or the Responses API (`responses: true`), which
/// requests of those APIs pass through to. Embeddings go to an OpenAI-style `/embeddings` or
/// Gemini's `:batchEmbedContents`; rerank to a Cohere-style `/v2/rerank` or DashScope's text rerank.
public enum UpstreamOperation: String, Sendable, Hashable {
    /// `/chat/completions`, `/v1/messages` or `:generateContent`, per dialect.
    case chat
    /// OpenAI's legacy `/completions` (prompt in, text out).
    case completions
    /// OpenAI's Responses API (`/responses`).
    case responses
    /// Text in, vectors out.
    case embeddings
    /// A query and documents in, the documents' relevance out.
    case rerank

    /// The kind of model that serves this operation.
    public var modelKind: ModelKind {
        switch self {
        case .chat, .completions, .responses: .chat
        case .embeddings: .embedding
        case .rerank: .rerank
        }
    }
}
