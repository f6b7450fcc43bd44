public import GatewayModel
public import JSONScanning

extension TokenUsage {
    /// Reads OpenAI's `usage` object (`prompt_tokens`, `completion_tokens`,
    /// `prompt_tokens_details.cached_tokens`) from a response or final stream chunk.
    public init?(openAIUsageIn object: JSONObjectIndex) {
        guard let usage = object.object("usage") else { return nil }
        self.init(
            input: usage.int("prompt_tokens") ?? 0,
            cachedInput: usage.object("prompt_tokens_details")?.int("cached_tokens")
                // DeepSeek reports cache hits at the top level of usage.
                ?? usage.int("prompt_cache_hit_tokens") ?? 0,
            output: usage.int("completion_tokens") ?? 0)
    }
}

extension TokenUsage {
    init(openAI usage: OpenAIWire.Usage) {
        self.init(
            input: usage.prompt_tokens ?? 0,
            cachedInput: usage.prompt_tokens_details?.cached_tokens ?? usage.prompt_cache_hit_tokens ?? 0,
            output: usage.completion_tokens ?? 0)
    }
}
