/// Token counts of one answer, as the provider reported them (or as estimated when it did not).
///
/// `cachedInput` is the part of `input` served from the provider's prompt cache; it is
/// included in `input`, as OpenAI's `prompt_tokens_details.cached_tokens` is.
public struct TokenUsage: Hashable, Sendable {
    public var input: Int
    public var cachedInput: Int
    public var output: Int

    public init(input: Int = 0, cachedInput: Int = 0, output: Int = 0) {
        self.input = input
        self.cachedInput = cachedInput
        self.output = output
    }

    public var total: Int { input + output }
}
