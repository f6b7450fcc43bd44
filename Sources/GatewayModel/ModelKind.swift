/// What a model does: answers chats, turns text into vectors, or orders documents by relevance.
/// A route serves one kind; an embedding route one embedding space besides (see `ModelOffering`).
public enum ModelKind: String, Sendable, Hashable, CaseIterable, Codable {
    case chat
    case embedding
    case rerank
}
