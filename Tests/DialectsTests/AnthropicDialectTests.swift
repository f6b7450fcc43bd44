import Foundation
import GatewayModel
import NIOCore
import Testing

@testable import Dialects

/// OpenAI-shaped requests out to Anthropic, Anthropic's documented answers and streams back.
@Suite struct AnthropicDialectTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
        return Array(try Data(contentsOf: url))
    }

    static func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    static let toolConversation = #"""
        {"model":"chat","temperature":0.2,"stop":"END","seed":7,
         "messages":[
          {"role":"system","content":"You are terse."},
          {"role":"user","content":[{"type":"text","text":"Weather in Paris and Rome?"},
                                    {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]},
          {"role":"assistant","content":null,"tool_calls":[
            {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
            {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"sunny"},
          {"role":"tool","tool_call_id":"call_2","content":"rain"}],
         "tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather",
                   "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
         "tool_choice":"required"}
        """#

    @Test func aToolConversationBecomesAnAnthropicRequest() throws {
        let request = try OpenAIChatRequest(body: Array(Self.toolConversation.utf8)).canonical()
        let outbound = try AnthropicDialect().encode(
            request, upstreamModel: "claude-sonnet-4-5", defaults: OutboundDefaults(maxOutputTokens: 1024))
        #expect(outbound.dropped == ["seed"])
        let body = try Self.json(outbound.body)
        #expect(body["model"] as? String == "claude-sonnet-4-5")
        #expect(body["max_tokens"] as? Int == 1024)
        #expect(body["system"] as? String == "You are terse.")
        #expect(body["stop_sequences"] as? [String] == ["END"])
        #expect(body["temperature"] as? Double == 0.2)
        #expect((body["tool_choice"] as? [String: Any])?["type"] as? String == "any")
        let tools = try #require(body["tools"] as? [[String: Any]])
        #expect(tools.first?["name"] as? String == "get_weather")
        #expect(((tools.first?["input_schema"] as? [String: Any])?["required"] as? [String]) == ["city"])

        let messages = try #require(body["messages"] as? [[String: Any]])
        // user, assistant (two tool_use), one user turn holding both tool results.
        #expect(messages.map { $0["role"] as? String } == ["user", "assistant", "user"])
        let user = try #require(messages[0]["content"] as? [[String: Any]])
        #expect(user.map { $0["type"] as? String } == ["text", "image"])
        let source = try #require(user[1]["source"] as? [String: Any])
        #expect(source["type"] as? String == "base64")
        #expect(source["media_type"] as? String == "image/png")
        let calls = try #require(messages[1]["content"] as? [[String: Any]])
        #expect(calls.map { $0["id"] as? String } == ["call_1", "call_2"])
        #expect((calls[0]["input"] as? [String: Any])?["city"] as? String == "Paris")
        let results = try #require(messages[2]["content"] as? [[String: Any]])
        #expect(results.map { $0["tool_use_id"] as? String } == ["call_1", "call_2"])
        #expect(results.map { $0["content"] as? String } == ["sunny", "rain"])
    }

    @Test func theClientsLimitWinsOverTheDefaultAndJSONModeIsDropped() throws {
        let body = #"{"model":"m","max_tokens":77,"response_format":{"type":"json_object"},"messages":[{"role":"user","content":"hi"}]}"#
        let request = try OpenAIChatRequest(body: Array(body.utf8)).canonical()
        let outbound = try AnthropicDialect().encode(request, upstreamModel: "claude", defaults: OutboundDefaults())
        #expect(try Self.json(outbound.body)["max_tokens"] as? Int == 77)
        #expect(outbound.dropped == ["response_format"])
    }

    @Test(
        arguments: [
            (#""reasoning_effort":"high""#, 4096, true, .some(4095), [String]()),
            (#""reasoning_effort":"medium","max_tokens":20000"#, 4096, true, .some(4096), []),
            (#""reasoning_effort":"minimal""#, 4096, true, nil, []),
            (#""reasoning_effort":"low","max_tokens":1024"#, 4096, true, nil, ["reasoning_effort"]),
            (#""reasoning_effort":"low","temperature":0.5"#, 4096, true, nil, ["reasoning_effort"]),
            (#""reasoning_effort":"low","top_p":0.5"#, 4096, true, nil, ["reasoning_effort"]),
            (
                #""reasoning_effort":"low","tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"required""#, 4096, true,
                nil,
                ["reasoning_effort"]
            ),
            (#""reasoning_effort":"low""#, 4096, false, nil, ["reasoning_effort"]),
        ] as [(String, Int, Bool, Int?, [String])])
    func thinkingGoesWhereAnthropicTakesIt(members: String, defaultMax: Int, reasons: Bool, budget: Int?, dropped: [String]) throws {
        let body = #"{"model":"m","messages":[{"role":"user","content":"hi"}],\#(members)}"#
        let request = try OpenAIChatRequest(body: Array(body.utf8)).canonical()
        let outbound = try AnthropicDialect().encode(
            request, upstreamModel: "claude", defaults: OutboundDefaults(maxOutputTokens: defaultMax, reasons: reasons))
        let thinking = try Self.json(outbound.body)["thinking"] as? [String: Any]
        #expect(thinking?["budget_tokens"] as? Int == budget)
        #expect(outbound.dropped == dropped)
    }

    @Test func noThinkingWhileAToolCallAwaitsItsResult() throws {
        var request = try OpenAIChatRequest(body: Array(Self.toolConversation.utf8)).canonical()
        request.temperature = nil
        request.reasoningEffort = ReasoningEffort(level: .high, parameter: "reasoning_effort")
        let outbound = try AnthropicDialect().encode(request, upstreamModel: "claude", defaults: OutboundDefaults(reasons: true))
        #expect(try Self.json(outbound.body)["thinking"] == nil)
        #expect(outbound.dropped.contains("reasoning_effort"))
    }

    @Test func badArgumentsNameTheField() throws {
        let body =
            #"{"model":"m","messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{not json"}}]}]}"#
        let request = try OpenAIChatRequest(body: Array(body.utf8)).canonical()
        let error = #expect(throws: GatewayError.self) {
            try AnthropicDialect().encode(request, upstreamModel: "claude", defaults: OutboundDefaults())
        }
        #expect(error?.parameter == "messages[1].tool_calls[0].function.arguments")
    }

    @Test func theDocumentedToolUseAnswerDecodes() throws {
        let answer = try AnthropicDialect().decodeResponse(try Self.fixture("anthropic-message-tool-use.json"))
        #expect(answer.text == "I'll check the current weather in San Francisco for you.")
        #expect(answer.finishReason == .toolCalls)
        #expect(
            answer.toolCalls == [
                // The arguments as the provider wrote them.
                ToolCall(
                    id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather",
                    arguments: #"{"location": "San Francisco, CA", "unit": "celsius"}"#)
            ])
        // Cache reads count as input, as OpenAI's prompt_tokens does.
        #expect(answer.usage == TokenUsage(input: 504, cachedInput: 120, output: 92))
    }

    @Test func theDocumentedStreamDecodesInAnyChunking() throws {
        let bytes = try Self.fixture("anthropic-stream-tool-use.sse")
        for size in [bytes.count, 64, 7] {
            var decoder = AnthropicDialect().makeStreamDecoder()
            var events: [ChatStreamEvent] = []
            for start in stride(from: 0, to: bytes.count, by: size) {
                events += try decoder.decode(ByteBuffer(bytes: bytes[start..<min(start + size, bytes.count)]))
            }
            #expect(decoder.isComplete)
            #expect(
                events == [
                    .start(id: "msg_014p7gG3wDgGV9EUtLvnow3U", model: "claude-sonnet-4-5-20250929"),
                    .textDelta("Okay"),
                    .textDelta(", let's check the weather."),
                    .toolCallStart(index: 0, id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather"),
                    .toolCallArgumentsDelta(index: 0, #"{"location":"#),
                    .toolCallArgumentsDelta(index: 0, #" "San Francisco, CA"}"#),
                    .finish(.toolCalls),
                    .usage(TokenUsage(input: 572, cachedInput: 100, output: 89)),
                ])
        }
    }

    @Test func anErrorEventEndsTheStreamWithTheProvidersReason() throws {
        var decoder = AnthropicDialect().makeStreamDecoder()
        let error = #expect(throws: DialectDecodingError.self) {
            _ = try decoder.decode(ByteBuffer(bytes: try Self.fixture("anthropic-stream-error.sse")))
        }
        #expect(error?.upstreamErrorType == "overloaded_error")
        #expect(error?.description == "Overloaded")
    }

    @Test func aNonAnthropicAnswerIsRefused() {
        #expect(throws: DialectDecodingError.self) { try AnthropicDialect().decodeResponse(Array(#"{"choices":[]}"#.utf8)) }
    }
}
