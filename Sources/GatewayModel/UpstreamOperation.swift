/// Which of a provider's endpoints a call goes to.
///
/// Every dialect has a chat endpoint; an OpenAI-style provider may also declare the legacy
/// completions endpoint (`completions: true`), which `/v1/completions` requests pass through
/// to. Anything else reaches a provider through chat.
public enum UpstreamOperation: String, Sendable, Hashable {
    /// `/chat/completions`, `/v1/messages` or `:generateContent`, per dialect.
    case chat
    /// OpenAI's legacy `/completions` (prompt in, text out).
    case completions
    /// OpenAI's Responses API (`/responses`).
    case responses
}
