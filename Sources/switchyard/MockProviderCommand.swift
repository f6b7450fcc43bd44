import ArgumentParser
import Foundation
import GatewayModel
import Hummingbird
import Logging
import MockProvider

/// `switchyard mock-provider`: an offline provider speaking a real wire format, for demos, tests and benchmarks.
struct MockProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-provider", abstract: "Serve an offline mock LLM provider on this machine.")

    @Option(help: "Wire format whose base URL to announce (openai, anthropic, gemini); the mock serves all three.")
    var dialect: String = "openai"

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port: Int

    @Option(help: "Name shown in answers.")
    var name: String = "mock"

    @Option(name: .customLong("latency-ms"), help: "Delay before the response head.")
    var latencyMilliseconds: Int = 0

    @Option(name: .customLong("ttft-ms"), help: "Delay before the first token.")
    var timeToFirstTokenMilliseconds: Int = 0

    @Option(name: .customLong("tokens-per-second"), help: "Pace of later tokens (0: all at once).")
    var tokensPerSecond: Int = 0

    @Option(name: .customLong("fail-rate"), help: "Share of requests answered with --fail-status (0...1).")
    var failRate: Double = 0

    @Option(name: .customLong("fail-status"), help: "HTTP status of a simulated failure (503, 429, 500…).")
    var failStatus: Int = 503

    @Option(name: .customLong("retry-after"), help: "Retry-After seconds sent with simulated failures.")
    var retryAfter: Int?

    @Option(name: .customLong("output-tokens"), help: "Answer length in tokens.")
    var outputTokens: Int = 16

    @Option(
        name: .customLong("require-key"),
        help: "Reject requests without this key ('Authorization: Bearer' for OpenAI, 'x-api-key' for Anthropic).")
    var requireKey: String?

    @Option(name: .customLong("break-after"), help: "End streams abruptly after this many tokens.")
    var breakAfter: Int?

    @Flag(help: "Answer 200 with a body no dialect can read, as a broken upstream would.")
    var malformed = false

    @Flag(help: "Quote the last user message in every answer (to see what the model was sent).")
    var echo = false

    @Flag(name: .customLong("no-usage"), help: "Report no token usage (OpenAI dialect), as some compatible servers do.")
    var noUsage = false

    @Option(
        name: .customLong("hold-open-after-end-ms"),
        help: "Keep a stream's response open this long after its end event, as a misbehaving upstream does.")
    var holdOpenAfterEndMilliseconds = 0

    @Option(
        name: .customLong("max-embedding-inputs"), help: "The most inputs one embeddings request may carry (OpenAI's: 2048).")
    var maxEmbeddingInputs = 2048

    @Option(
        name: .customLong("usage"),
        help: "A usage object in the provider's own shape (JSON), reported as it is in every answer and stream.")
    var usage: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .warning

    func validate() throws {
        guard WireFormat(rawValue: dialect) != nil else {
            throw ValidationError("--dialect must be one of openai, anthropic, gemini")
        }
        guard (0...1).contains(failRate) else { throw ValidationError("--fail-rate must be between 0 and 1") }
        guard (400...599).contains(failStatus) else { throw ValidationError("--fail-status must be 400...599") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard (0...3_600_000).contains(holdOpenAfterEndMilliseconds) else {
            throw ValidationError("--hold-open-after-end-ms must be 0...3600000")
        }
        guard (1...1_000_000).contains(maxEmbeddingInputs) else { throw ValidationError("--max-embedding-inputs must be 1...1000000") }
        if let usage, (try? JSONSerialization.jsonObject(with: Data(usage.utf8))) as? [String: Any] == nil {
            throw ValidationError("--usage must be a JSON object")
        }
    }

    func run() async throws {
        let logger = bootstrapLogging(level: logLevel)
        let options = MockProviderOptions(
            name: name, latencyMilliseconds: latencyMilliseconds, timeToFirstTokenMilliseconds: timeToFirstTokenMilliseconds,
            tokensPerSecond: tokensPerSecond, failRate: failRate, failStatus: failStatus,
            retryAfterSeconds: retryAfter, breakAfterTokens: breakAfter, outputTokens: outputTokens, requiredKey: requireKey,
            malformedAnswer: malformed ? MockProviderOptions.notJSON : nil, echo: echo, omitUsage: noUsage,
            holdOpenAfterEndMilliseconds: holdOpenAfterEndMilliseconds,
            maxEmbeddingInputs: maxEmbeddingInputs, reportedUsage: usage)
        let app = MockProvider(options: options).application(host: host, port: port, logger: logger) { channel in
            // Announced as the provider's SDK takes its base URL: OpenAI's with /v1, Anthropic's without.
            let suffix = Self.baseURLSuffix(WireFormat(rawValue: dialect) ?? .openAI)
            announce("mock-provider \(name) listening on http://\(host):\(channel.localAddress?.port ?? port)\(suffix)")
        }
        try await app.runService()
    }

    /// What follows host:port in a provider's base URL, as its own SDK takes it.
    static func baseURLSuffix(_ dialect: WireFormat) -> String {
        switch dialect {
        case .openAI: "/v1"
        case .anthropic, .cohere, .dashscope: ""
        case .gemini: "/v1beta"
        }
    }
}
