/// Token counts of one answer, as the provider reported them (or as estimated when it did not),
/// and the units a provider bills besides tokens.
///
/// `cachedInput` is the part of `input` served from the provider's prompt cache; it is
/// included in `input`, as OpenAI's `prompt_tokens_details.cached_tokens` is.
public struct TokenUsage: Hashable, Sendable {
    public var input: Int
    public var cachedInput: Int
    public var output: Int
    /// Rerank searches billed (Cohere's `meta.billed_units.search_units`): priced per thousand.
    public var searches: Int

    /// Counts come from providers' answers: each is held to `0...maximumCount`, so no sum or
    /// price product made of them can overflow.
    public init(input: Int = 0, cachedInput: Int = 0, output: Int = 0, searches: Int = 0) {
        self.input = Self.clamped(input)
        self.cachedInput = Self.clamped(cachedInput)
        self.output = Self.clamped(output)
        self.searches = Self.clamped(searches)
    }

    /// The sum of several answers' usage (an operation split into batches), saturating.
    public static func sum(_ parts: some Sequence<TokenUsage>) -> TokenUsage {
        parts.reduce(TokenUsage()) {
            TokenUsage(
                input: $0.input.saturatingAdding($1.input), cachedInput: $0.cachedInput.saturatingAdding($1.cachedInput),
                output: $0.output.saturatingAdding($1.output), searches: $0.searches.saturatingAdding($1.searches))
        }
    }

    /// 2⁵³: far beyond any real answer, exact as a `Double`, and small enough that a count
    /// times a price in nano-units fits in 128 bits.
    public static let maximumCount = 1 << 53

    static func clamped(_ count: Int) -> Int { min(max(count, 0), maximumCount) }

    public var total: Int { input.saturatingAdding(output) }

    /// About four bytes of text per token: the gateway has no provider tokenizer, and an estimate
    /// (for routing, budgets, and the records of answers that report no usage) only needs the
    /// right order of magnitude. At least one.
    public static func estimatedTokens(bytes: Int) -> Int { max(1, bytes / 4) }
}
