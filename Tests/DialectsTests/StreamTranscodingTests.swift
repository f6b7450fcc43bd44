import Foundation
import GatewayModel
import NIOCore
import Testing

@testable import Dialects

/// OpenAI's documented tool-call stream decoded, and canonical events written as Anthropic's
/// event sequence.
@Suite struct StreamTranscodingTests {
    static let toolCallEvents: [ChatStreamEvent] = [
        .start(id: "chatcmpl-123", model: "gpt-4o-mini"),
        .toolCallStart(index: 0, id: "call_abc", name: "get_weather"),
        .toolCallArgumentsDelta(index: 0, #"{"city":"#),
        .toolCallArgumentsDelta(index: 0, #""Paris"}"#),
        .finish(.toolCalls),
        .usage(TokenUsage(input: 82, cachedInput: 64, output: 17)),
    ]

    @Test func openAIsToolCallStreamDecodes() throws {
        var decoder = OpenAIDialect().makeStreamDecoder()
        let events = try decoder.decode(ByteBuffer(bytes: try AnthropicDialectTests.fixture("openai-stream-tool-call.sse")))
        #expect(decoder.isComplete)
        #expect(events == Self.toolCallEvents)
    }

    @Test func openAIsStreamDecodesInAnyChunkingAroundKeepAlives() throws {
        var bytes = Array(": OPENROUTER PROCESSING\n\n".utf8)
        bytes += try AnthropicDialectTests.fixture("openai-stream-tool-call.sse")
        var decoder = OpenAIDialect().makeStreamDecoder()
        var events: [ChatStreamEvent] = []
        for byte in bytes { events += try decoder.decode(ByteBuffer(bytes: [byte])) }
        #expect(decoder.isComplete)
        #expect(events == Self.toolCallEvents)
    }

    @Test(arguments: [
        (#"data: {"error":{"message":"overloaded","type":"server_error"}}"#, "server_error"),
        ("data: {not json", nil),
    ])
    func aBrokenOrFailedChunkEndsTheStream(event: String, type: String?) {
        var decoder = OpenAIDialect().makeStreamDecoder()
        let error = #expect(throws: DialectDecodingError.self) { try decoder.decode(ByteBuffer(string: event + "\n\n")) }
        #expect(error?.upstreamErrorType == type)
    }

    @Test func canonicalEventsBecomeAnthropicsSequence() throws {
        var encoder = AnthropicStreamEncoder(model: "chat")
        var output = encoder.encode([.start(id: "msg_1", model: "m"), .textDelta("Let me check.")] + Self.toolCallEvents.dropFirst())
        output.writeImmutableBuffer(encoder.finish())
        let blocks = String(buffer: output).components(separatedBy: "\n\n").filter { !$0.isEmpty }
        let names = blocks.map { $0.split(separator: "\n")[0].replacingOccurrences(of: "event: ", with: "") }
        #expect(
            names == [
                "message_start", "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop",
            ])
        let payloads = try blocks.map { block -> [String: Any] in
            let data = try #require(block.split(separator: "\n").first { $0.hasPrefix("data: ") }).dropFirst(6)
            return try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        }
        let toolStart = try #require(payloads[4]["content_block"] as? [String: Any])
        #expect(toolStart["type"] as? String == "tool_use")
        #expect(toolStart["id"] as? String == "call_abc")
        #expect(payloads[4]["index"] as? Int == 1)
        let delta = try #require(payloads[8]["delta"] as? [String: Any])
        #expect(delta["stop_reason"] as? String == "tool_use")
        let usage = try #require(payloads[8]["usage"] as? [String: Any])
        // Anthropic's input_tokens leaves cache reads out.
        #expect(usage["input_tokens"] as? Int == 18)
        #expect(usage["cache_read_input_tokens"] as? Int == 64)
        #expect(usage["output_tokens"] as? Int == 17)
    }
}
