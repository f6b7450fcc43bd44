import Foundation
import GatewayModel
import NIOCore
import Testing

@testable import Dialects

/// OpenAI-shaped requests out to Gemini's generateContent, Gemini's documented answers back.
@Suite struct GeminiDialectTests {
    @Test func aToolConversationBecomesGeminiContents() throws {
        let request = try OpenAIChatRequest(body: Array(AnthropicDialectTests.toolConversation.utf8)).canonical()
        let outbound = try GeminiDialect().encode(request, upstreamModel: "gemini-2.5-flash", defaults: OutboundDefaults())
        #expect(outbound.dropped == ["seed"])
        let body = try AnthropicDialectTests.json(outbound.body)
        #expect(
            ((body["systemInstruction"] as? [String: Any])?["parts"] as? [[String: Any]])?.first?["text"] as? String == "You are terse.")
        let config = try #require(body["generationConfig"] as? [String: Any])
        #expect(config["temperature"] as? Double == 0.2)
        #expect(config["stopSequences"] as? [String] == ["END"])
        #expect(((body["toolConfig"] as? [String: Any])?["functionCallingConfig"] as? [String: Any])?["mode"] as? String == "ANY")
        let contents = try #require(body["contents"] as? [[String: Any]])
        #expect(contents.map { $0["role"] as? String } == ["user", "model", "user"])
        let user = try #require(contents[0]["parts"] as? [[String: Any]])
        #expect((user[1]["inlineData"] as? [String: Any])?["mimeType"] as? String == "image/png")
        let calls = try #require(contents[1]["parts"] as? [[String: Any]])
        #expect(calls.compactMap { ($0["functionCall"] as? [String: Any])?["name"] as? String } == ["get_weather", "get_weather"])
        let results = try #require(contents[2]["parts"] as? [[String: Any]])
        let responses = results.compactMap { $0["functionResponse"] as? [String: Any] }
        #expect(responses.map { $0["name"] as? String } == ["get_weather", "get_weather"])
        #expect(responses.map { ($0["response"] as? [String: Any])?["result"] as? String } == ["sunny", "rain"])
    }

    @Test func jsonModeIsCarried() throws {
        let body = #"{"model":"m","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"hi"}]}"#
        let request = try OpenAIChatRequest(body: Array(body.utf8)).canonical()
        let outbound = try GeminiDialect().encode(request, upstreamModel: "g", defaults: OutboundDefaults())
        #expect(outbound.dropped.isEmpty)
        #expect(
            (try AnthropicDialectTests.json(outbound.body)["generationConfig"] as? [String: Any])?["responseMimeType"] as? String
                == "application/json")
    }

    @Test func theDocumentedFunctionCallAnswerDecodes() throws {
        let answer = try GeminiDialect().decodeResponse(try AnthropicDialectTests.fixture("gemini-function-call.json"))
        #expect(answer.text == "Setting the lights.")
        #expect(answer.finishReason == .toolCalls)
        #expect(answer.toolCalls.map(\.name) == ["set_light_values"])
        #expect(answer.toolCalls.first?.arguments == #"{"brightness":25,"color_temp":"warm"}"#)
        // Thinking tokens are billed as output.
        #expect(answer.usage == TokenUsage(input: 80, cachedInput: 32, output: 32, reasoning: 12))
        #expect(answer.model == "gemini-2.5-flash")
    }

    @Test func theDocumentedStreamDecodes() throws {
        var decoder = GeminiDialect().makeStreamDecoder()
        let events = try decoder.decode(ByteBuffer(bytes: try AnthropicDialectTests.fixture("gemini-stream.sse")))
        #expect(decoder.isComplete)
        #expect(
            events == [
                .start(id: "r1", model: "gemini-2.5-flash"), .textDelta("The"), .textDelta(" sky is blue."),
                .finish(.length), .usage(TokenUsage(input: 9, cachedInput: 0, output: 6)),
            ])
    }
}
