import Foundation
import Hummingbird

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
    /// Share of requests answered with `failStatus`, to exercise fallback.
    public var failRate: Double
    /// The status of a simulated failure (503 overloaded, 429 rate limited, 500…).
    public var failStatus: Int
    /// `Retry-After` seconds sent with a simulated 429.
    public var retryAfterSeconds: Int?
    /// Ends a stream abruptly after this many tokens, to exercise mid-stream failure.
    public var breakAfterTokens: Int?
    /// Answer length in tokens, before the request's `max_tokens` bound.
    public var outputTokens: Int
    /// When set, requests must carry this key (`Authorization: Bearer`, `x-api-key` or
    /// `x-goog-api-key`, per dialect).
    public var requiredKey: String?
    /// Answer 200 with this body instead of the real answer, as a broken upstream would
    /// (``notJSON``: a proxy's error page).
    public var malformedAnswer: String?
    /// Quote the last user message in the answer (in small pieces when streamed), so tests can
    /// see what the model was sent and what the client got back.
    public var echo: Bool
    /// Report no usage (OpenAI dialect: no `usage` in answers, no usage chunk in streams), as
    /// some OpenAI-compatible servers do.
    public var omitUsage: Bool
    /// Keep a stream's HTTP response open this long after its end event (`[DONE]`,
    /// `message_stop`, Gemini's last chunk), as a misbehaving upstream does.
    public var holdOpenAfterEndMilliseconds: Int
    /// The most inputs one embeddings request may carry (OpenAI's limit is 2,048), so a gateway
    /// that splits large requests into batches can be seen doing it.
    public var maxEmbeddingInputs: Int
    /// A usage object in the provider's own shape, reported as it is in every answer (JSON and
    /// streams) instead of the mock's counts: a vendor's documented usage (cache writes, tiers,
    /// thinking) replayed through the gateway.
    public var reportedUsage: String?

    /// A body no dialect can read, for ``malformedAnswer``.
    public static let notJSON = "<html>upstream proxy error</html>"

    /// ``reportedUsage`` as an object, for the mocks that build answers with `JSONSerialization`.
    var reportedUsageObject: [String: Any]? {
        reportedUsage.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    public init(
        name: String = "mock", latencyMilliseconds: Int = 0, timeToFirstTokenMilliseconds: Int = 0,
        tokensPerSecond: Int = 0, failRate: Double = 0, failStatus: Int = 503, retryAfterSeconds: Int? = nil,
        breakAfterTokens: Int? = nil, outputTokens: Int = 16, requiredKey: String? = nil, malformedAnswer: String? = nil,
        echo: Bool = false, omitUsage: Bool = false, holdOpenAfterEndMilliseconds: Int = 0, maxEmbeddingInputs: Int = 2048,
        reportedUsage: String? = nil
    ) {
        self.reportedUsage = reportedUsage
        self.name = name
        self.latencyMilliseconds = latencyMilliseconds
        self.timeToFirstTokenMilliseconds = timeToFirstTokenMilliseconds
        self.tokensPerSecond = tokensPerSecond
        self.failRate = failRate
        self.failStatus = failStatus
        self.retryAfterSeconds = retryAfterSeconds
        self.breakAfterTokens = breakAfterTokens
        self.outputTokens = outputTokens
        self.requiredKey = requiredKey
        self.malformedAnswer = malformedAnswer
        self.echo = echo
        self.omitUsage = omitUsage
        self.holdOpenAfterEndMilliseconds = holdOpenAfterEndMilliseconds
        self.maxEmbeddingInputs = maxEmbeddingInputs
    }

    /// Ends a stream's response, after ``holdOpenAfterEndMilliseconds``.
    @concurrent func finishStream(_ writer: inout any ResponseBodyWriter) async throws {
        if holdOpenAfterEndMilliseconds > 0 { try await Task.sleep(for: .milliseconds(holdOpenAfterEndMilliseconds)) }
        try await writer.finish(nil)
    }
}
