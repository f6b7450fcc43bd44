/// How an offline mock provider behaves (`switchyard mock-provider` flags, or a provider's `mock:` in offline mode).
public struct MockProviderOptions: Sendable, Hashable {
    /// Names the mock in its answers, so a client can tell which provider served it.
    public var name: String
    /// Delay before the response head, as network distance would add.
    public var latencyMilliseconds: Int
    /// Delay from the head to the first token.
    public var timeToFirstTokenMilliseconds: Int
    /// Pace of the tokens after the first; 0 sends them all at once.
    public var tokensPerSecond: Int
    /// Share of requests answered 503, to exercise fallback.
    public var failRate: Double
    /// Answer length in tokens, before the request's `max_tokens` bound.
    public var outputTokens: Int
    /// When set, requests must carry `Authorization: Bearer <key>`.
    public var requiredKey: String?

    public init(
        name: String = "mock", latencyMilliseconds: Int = 0, timeToFirstTokenMilliseconds: Int = 0,
        tokensPerSecond: Int = 0, failRate: Double = 0, outputTokens: Int = 16, requiredKey: String? = nil
    ) {
        self.name = name
        self.latencyMilliseconds = latencyMilliseconds
        self.timeToFirstTokenMilliseconds = timeToFirstTokenMilliseconds
        self.tokensPerSecond = tokensPerSecond
        self.failRate = failRate
        self.outputTokens = outputTokens
        self.requiredKey = requiredKey
    }
}
