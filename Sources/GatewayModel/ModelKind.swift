/// What a model does: answers chats, turns text into vectors, or orders documents by relevance.
/// A route serves one kind; an embedding route one embedding space besides (see `ModelOffering`).
public enum ModelKind: String, Sendable, Hashable, CaseIterable, Codable {
    case chat
    case embedding
    case rerank

    /// The API models of this kind serve.
    public var operation: UpstreamOperation {
        switch self {
        case .chat: .chat
        case .embedding: .embeddings
        case .rerank: .rerank
        }
    }
}
