public import GatewayModel
public import JSONScanning

extension TokenUsage {
    /// Reads OpenAI's `usage` object from a response or final stream chunk: `prompt_tokens` and
    /// `completion_tokens`, the cache reads (`prompt_tokens_details.cached_tokens`, DeepSeek's
    /// `prompt_cache_hit_tokens`), the cache writes OpenAI-compatible providers report (Qwen's
    /// `cache_creation_input_tokens` split by `cache_creation`, others' `cache_write_tokens`) and
    /// `completion_tokens_details.reasoning_tokens`.
    public init?(openAIUsageIn object: JSONObjectIndex) {
        guard let usage = object.object("usage") else { return nil }
        let prompt = usage.object("prompt_tokens_details")
        let creation = prompt?.object("cache_creation")
        self.init(
            openAIPrompt: usage.int("prompt_tokens"), output: usage.int("completion_tokens"),
            cacheRead: prompt?.int("cached_tokens") ?? usage.int("prompt_cache_hit_tokens"),
            cacheWrites: prompt?.int("cache_creation_input_tokens") ?? prompt?.int("cache_write_tokens"),
            cacheWrite5m: creation?.int("ephemeral_5m_input_tokens"), cacheWrite1h: creation?.int("ephemeral_1h_input_tokens"),
            reasoning: usage.object("completion_tokens_details")?.int("reasoning_tokens"))
    }

    init(openAI usage: OpenAIWire.Usage) {
        let prompt = usage.prompt_tokens_details
        self.init(
            openAIPrompt: usage.prompt_tokens, output: usage.completion_tokens,
            cacheRead: prompt?.cached_tokens ?? usage.prompt_cache_hit_tokens,
            cacheWrites: prompt?.cache_creation_input_tokens ?? prompt?.cache_write_tokens,
            cacheWrite5m: prompt?.cache_creation?.ephemeral_5m_input_tokens,
            cacheWrite1h: prompt?.cache_creation?.ephemeral_1h_input_tokens,
            reasoning: usage.completion_tokens_details?.reasoning_tokens)
    }

    /// Cache writes given as a total and, maybe, its split by lifetime: what the split doesn't
    /// name is a five-minute write (the only lifetime such providers have).
    private init(
        openAIPrompt input: Int?, output: Int?, cacheRead: Int?, cacheWrites: Int?, cacheWrite5m: Int?, cacheWrite1h: Int?,
        reasoning: Int?
    ) {
        let hour = TokenUsage.clamped(cacheWrite1h ?? 0)
        let total = max(TokenUsage.clamped(cacheWrites ?? 0), TokenUsage.clamped(cacheWrite5m ?? 0).saturatingAdding(hour))
        self.init(
            input: input ?? 0, cachedInput: cacheRead ?? 0, cacheWrite5m: total - hour, cacheWrite1h: hour, output: output ?? 0,
            reasoning: reasoning ?? 0)
    }
}
