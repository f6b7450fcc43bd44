import Foundation
import GatewayModel
import MockProvider
import Testing

/// Failures on translated exchanges reach the caller in its own dialect.
@Suite struct TranslationTests {
    static let messages = #"{"model":"chat","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"What is a switchyard?"}]}"#

    @Test func anAnthropicStreamThatBreaksEndsTheOpenAIStreamWithAnErrorEvent() async throws {
        try await LiveStack.run([.mock("claude", .init(breakAfterTokens: 2), dialect: .anthropic)]) { stack in
            let response = try await stack.post("/v1/chat/completions", json: LiveStack.chat(stream: true))
            #expect(response.status == 200)
            let events = LiveStack.events(response.body)
            #expect(events.contains { $0.contains(#""content":"[claude]""#) })
            let last = try #require(events.last)
            let error = try #require(try LiveStack.json(last)["error"] as? [String: Any])
            #expect((error["message"] as? String)?.contains("'claude'") == true)
        }
    }

    @Test func anOpenAIStreamThatBreaksEndsTheAnthropicStreamWithAnErrorEvent() async throws {
        try await LiveStack.run([.mock("gpt", .init(breakAfterTokens: 2))]) { stack in
            let response = try await stack.post("/v1/messages", json: Self.messages)
            #expect(response.status == 200)
            let events = LiveStack.namedEvents(response.body)
            #expect(events.first?.name == "message_start")
            let last = try #require(events.last)
            #expect(last.name == "error")
            let error = try #require(try LiveStack.json(last.data)["error"] as? [String: Any])
            #expect(error["type"] as? String == "api_error")
            #expect((error["message"] as? String)?.contains("'gpt'") == true)
        }
    }

    @Test func aRateLimitStaysARateLimitInEveryDialect() async throws {
        let busy = MockProviderOptions(failRate: 1, failStatus: 429, retryAfterSeconds: 9)
        try await LiveStack.run([.mock("gemini", busy, dialect: .gemini)]) { stack in
            let openAI = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(openAI.status == 429)
            #expect(openAI.headers["retry-after"] == "9")
            let anthropic = try await stack.post("/v1/messages", json: Self.messages)
            #expect(anthropic.status == 429)
            #expect(anthropic.headers["retry-after"] == "9")
            #expect(try LiveStack.json(anthropic.body)["type"] as? String == "error")
            #expect((try LiveStack.json(anthropic.body)["error"] as? [String: Any])?["type"] as? String == "rate_limit_error")
        }
    }

    @Test func anAnswerThatDoesNotParseIsA502NamingTheProvider() async throws {
        let garbage = MockProviderOptions(malformedAnswer: MockProviderOptions.notJSON)
        try await LiveStack.run([.mock("claude", garbage, dialect: .anthropic)]) { stack in
            let openAI = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(openAI.status == 502)
            #expect(openAI.body.contains("'claude'"))
            #expect((try LiveStack.json(openAI.body)["error"] as? [String: Any])?["code"] as? String == "upstream_error")
        }
        try await LiveStack.run([.mock("gpt", garbage)]) { stack in
            let nonStreaming = Self.messages.replacingOccurrences(of: #""stream":true"#, with: #""stream":false"#)
            let anthropic = try await stack.post("/v1/messages", json: nonStreaming)
            #expect(anthropic.status == 502)
            #expect((try LiveStack.json(anthropic.body)["error"] as? [String: Any])?["type"] as? String == "api_error")
            #expect(anthropic.body.contains("'gpt'"))
        }
    }

    /// An answer Foundation's `JSONDecoder` would stop the process on (its 513th level opening at
    /// the last byte): refused as unreadable, a 502 in the caller's dialect, and the gateway
    /// goes on serving. Same dialect (scanned in place) and translated (decoded).
    @Test(arguments: [WireFormat.openAI, .anthropic, .gemini])
    func anAnswerThatWouldTrapFoundationIsA502(_ dialect: WireFormat) async throws {
        let trap = MockProviderOptions(malformedAnswer: String(repeating: "[", count: 513))
        try await LiveStack.run([.mock("upstream", trap, dialect: dialect)]) { stack in
            let openAI = try await stack.post("/v1/chat/completions", json: LiveStack.chat())
            #expect(openAI.status == 502)
            #expect(openAI.body.contains("'upstream'"))
            #expect((try LiveStack.json(openAI.body)["error"] as? [String: Any])?["code"] as? String == "upstream_error")
            let nonStreaming = Self.messages.replacingOccurrences(of: #""stream":true"#, with: #""stream":false"#)
            let anthropic = try await stack.post("/v1/messages", json: nonStreaming)
            #expect(anthropic.status == 502)
            #expect(anthropic.body.contains("'upstream'"))
            #expect((try LiveStack.json(anthropic.body)["error"] as? [String: Any])?["type"] as? String == "api_error")
            #expect((stack.mocks["upstream"]?.receivedCount ?? 0) >= 2)
            #expect(try await stack.get("/healthz", key: nil).status == 200)
        }
    }

    @Test func fallbackCrossesDialects() async throws {
        try await LiveStack.run([
            .mock("claude", .init(failRate: 1, failStatus: 529), dialect: .anthropic), .mock("gemini", dialect: .gemini),
        ]) { stack in
            let response = try await stack.post("/v1/messages", json: Self.messages)
            #expect(response.status == 200)
            #expect(response.headers["x-switchyard-provider"] == "gemini")
            #expect(response.headers["x-switchyard-attempts"] == "2")
            #expect(LiveStack.namedEvents(response.body).last?.name == "message_stop")
        }
    }
}
