/// Token counts of one answer, as the provider reported them (or as estimated when it did not),
/// and the units a provider bills besides tokens.
///
/// `input` is the whole prompt, as OpenAI's `prompt_tokens` counts it: the parts read from the
/// provider's prompt cache (`cachedInput`) and written to it (`cacheWrite5m`, `cacheWrite1h`)
/// are within it, each billed at its own price. `reasoning` is within `output` likewise.
public struct TokenUsage: Hashable, Sendable {
    public var input: Int
    /// Prompt tokens read from the provider's prompt cache.
    public var cachedInput: Int
    /// Prompt tokens written to the cache for five minutes (Anthropic's default, Qwen's explicit
    /// cache), or for the provider's only lifetime.
    public var cacheWrite5m: Int
    /// Prompt tokens written to the cache for an hour (Anthropic's `ttl: "1h"`).
    public var cacheWrite1h: Int
    public var output: Int
    /// Output tokens spent thinking (reasoning models), within `output`.
    public var reasoning: Int
    /// Rerank searches billed (Cohere's `meta.billed_units.search_units`): priced per thousand.
    public var searches: Int

    /// Counts come from providers' answers: each is held to `0...maximumCount`, so no sum or
    /// price product made of them can overflow.
    public init(
        input: Int = 0, cachedInput: Int = 0, cacheWrite5m: Int = 0, cacheWrite1h: Int = 0, output: Int = 0, reasoning: Int = 0,
        searches: Int = 0
    ) {
        self.input = Self.clamped(input)
        self.cachedInput = Self.clamped(cachedInput)
        self.cacheWrite5m = Self.clamped(cacheWrite5m)
        self.cacheWrite1h = Self.clamped(cacheWrite1h)
        self.output = Self.clamped(output)
        self.reasoning = Self.clamped(reasoning)
        self.searches = Self.clamped(searches)
    }

    /// The sum of several answers' usage (an operation split into batches), saturating.
    public static func sum(_ parts: some Sequence<TokenUsage>) -> TokenUsage {
        parts.reduce(TokenUsage()) {
            TokenUsage(
                input: $0.input.saturatingAdding($1.input), cachedInput: $0.cachedInput.saturatingAdding($1.cachedInput),
                cacheWrite5m: $0.cacheWrite5m.saturatingAdding($1.cacheWrite5m),
                cacheWrite1h: $0.cacheWrite1h.saturatingAdding($1.cacheWrite1h), output: $0.output.saturatingAdding($1.output),
                reasoning: $0.reasoning.saturatingAdding($1.reasoning), searches: $0.searches.saturatingAdding($1.searches))
        }
    }

    /// 2⁵³: far beyond any real answer, exact as a `Double`, and small enough that a count
    /// times a price in nano-units fits in 128 bits.
    public static let maximumCount = 1 << 53

    /// `count` held to `0...maximumCount`, as every count is.
    public static func clamped(_ count: Int) -> Int { min(max(count, 0), maximumCount) }

    public var total: Int { input.saturatingAdding(output) }

    /// The prompt split the way it is billed, each part within `input` even when a provider's
    /// counts disagree: cache reads first, then 5-minute and 1-hour writes, the rest plain.
    public var promptParts: (plain: Int, cacheRead: Int, cacheWrite5m: Int, cacheWrite1h: Int) {
        let read = min(cachedInput, input)
        let write5m = min(cacheWrite5m, input - read)
        let write1h = min(cacheWrite1h, input - read - write5m)
        return (input - read - write5m - write1h, read, write5m, write1h)
    }

    /// About four bytes of text per token: the gateway has no provider tokenizer, and an estimate
    /// (for routing, budgets, and the records of answers that report no usage) only needs the
    /// right order of magnitude. At least one.
    public static func estimatedTokens(bytes: Int) -> Int { max(1, bytes / 4) }
}
