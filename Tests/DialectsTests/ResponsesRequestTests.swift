import Dialects
import Foundation
import GatewayModel
import JSONScanning
import NIOCore
import Synchronization
import Testing

/// The Responses API inbound: items folded into canonical turns, Response objects and typed
/// stream events written — and read back by the decoder the native path uses.
@Suite struct ResponsesRequestTests {
    func request(_ text: String) throws(GatewayError) -> ResponsesRequest {
        try ResponsesRequest(body: Array(text.utf8))
    }

    @Test func itemsBecomeCanonicalTurns() throws {
        let chat = try request(
            #"""
            {"model":"m","instructions":"Be terse.","max_output_tokens":64,"parallel_tool_calls":false,
             "input":[{"role":"developer","content":"Use metric."},
                      {"role":"user","content":[{"type":"input_text","text":"Weather?"},{"type":"input_image","image_url":"https://x/y.png"}]},
                      {"type":"reasoning","id":"rs_1","summary":[]},
                      {"type":"message","role":"assistant","content":[{"type":"output_text","text":"Checking."}]},
                      {"type":"function_call","call_id":"c1","name":"get_weather","arguments":"{\"city\":\"Oslo\"}"},
                      {"type":"function_call_output","call_id":"c1","output":"12 C"}],
             "tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}],
             "tool_choice":{"type":"function","name":"get_weather"},
             "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}},
             "metadata":{"a":"b"},"store":true,"reasoning":{"effort":"low"},"include":[]}
            """#
        ).canonical()
        #expect(chat.system == ["Be terse.", "Use metric."])
        #expect(chat.messages.map(\.role) == [.user, .assistant, .tool])
        #expect(chat.messages[0].content == [.text("Weather?"), .image(.url("https://x/y.png"))])
        #expect(chat.messages[1].text == "Checking.")
        #expect(chat.messages[1].toolCalls == [ToolCall(id: "c1", name: "get_weather", arguments: #"{"city":"Oslo"}"#)])
        #expect(chat.messages[2].toolCallID == "c1")
        #expect(chat.tools.map(\.name) == ["get_weather"])
        #expect(chat.toolChoice == .tool("get_weather"))
        #expect(chat.parallelToolCalls == false)
        #expect(chat.responseFormat == .jsonSchema(name: "w", schema: .object(["type": .string("object")]), strict: true))
        #expect(chat.maxOutputTokens == 64)
        // Reasoning effort is carried (each target says whether it can); metadata and store are the
        // gateway's; an empty include asks nothing.
        #expect(chat.reasoningEffort == ReasoningEffort(level: .low, parameter: "reasoning"))
        #expect(chat.unmappedParameters == [])
    }

    @Test(arguments: [
        (#"{"model":"m"}"#, "input"), (#"{"model":"m","input":3}"#, "input"),
        (#"{"model":"m","input":"x","max_output_tokens":0}"#, "max_output_tokens"),
        (#"{"model":"m","input":"x","instructions":5}"#, "instructions"), (#"{"input":"x"}"#, "model"),
    ])
    func badRequestsNameTheField(body: String, parameter: String) {
        do {
            _ = try request(body)
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.status == 400)
            #expect(error.parameter == parameter)
        }
    }

    @Test(arguments: [
        (#"[{"type":"function_call_output","call_id":"nope","output":"1"}]"#, "input[0].call_id"),
        (#"[{"type":"web_search_call"}]"#, "input[0].type"), (#"[{"role":"robot","content":"x"}]"#, "input[0].role"),
        (#"[{"role":"user","content":[{"type":"input_file","file_id":"f"}]}]"#, "input[0].content[0].type"),
    ])
    func badItemsNameTheItem(input: String, parameter: String) throws {
        let responses = try request(#"{"model":"m","input":\#(input)}"#)
        do {
            _ = try responses.canonical()
            Issue.record("accepted \(input)")
        } catch {
            #expect(error.status == 400)
            #expect(error.parameter == parameter)
        }
    }

    @Test func aWholeAnswerIsAResponseObject() throws {
        let inbound = try request(#"{"model":"chat","input":"hi","instructions":"Be kind.","max_output_tokens":5}"#)
        let answer = ChatResponse(
            id: "x", model: "claude", text: "Hel", toolCalls: [ToolCall(id: "call_1", name: "f", arguments: "{}")], finishReason: .length,
            usage: TokenUsage(input: 4, cachedInput: 1, output: 5))
        let json = try JSONObjectIndex(document: inbound.encodeAnswer(answer))
        #expect(json.string("object") == "response")
        #expect(json.string("status") == "incomplete")
        #expect(json.object("incomplete_details")?.string("reason") == "max_output_tokens")
        #expect(json.string("instructions") == "Be kind.")
        #expect(json.bool("store") == false)
        let output = try #require(json.objects(inArray: "output"))
        #expect(output.map { $0.string("type") } == ["message", "function_call"])
        #expect(output[1].string("call_id") == "call_1")
        #expect(json.object("usage")?.int("total_tokens") == 9)
    }

    @Test func aStreamReadsBackAsTheEventsThatMadeIt() throws {
        let inbound = try request(#"{"model":"chat","input":"hi","stream":true}"#)
        var stream = inbound.translatingStream(from: FixedDecoder(), model: "m")
        var bytes = try stream.transform(ByteBuffer())
        var tail = stream.finish()
        bytes.writeBuffer(&tail)
        var decoder = ResponsesEventDecoder()
        let events = try decoder.decode(bytes)
        #expect(decoder.isComplete)
        #expect(events.first.map { if case .start = $0 { true } else { false } } == true)
        #expect(
            Array(events.dropFirst()) == [
                .textDelta("Hel"), .textDelta("lo"), .toolCallStart(index: 0, id: "call_1", name: "f"),
                .toolCallArgumentsDelta(index: 0, #"{"a""#), .toolCallArgumentsDelta(index: 0, ":1}"),
                .usage(TokenUsage(input: 3, cachedInput: 0, output: 4)), .finish(.toolCalls),
            ])
        let text = String(buffer: bytes)
        #expect(text.hasPrefix("event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,"))
        #expect(!text.contains("[DONE]"))
    }

    @Test func theNativePathKeepsTheBytesButStoresNothingUpstream() throws {
        let inbound = try request(#"{"model":"chat","input":"hi","store":true}"#)
        let body = try JSONObjectIndex(document: inbound.passThroughBody(upstreamModel: "gpt-4.1", requestStreamUsage: true))
        #expect(body.string("model") == "gpt-4.1")
        #expect(body.bool("store") == false)
        let usage = try inbound.passThroughUsage(
            in: Array(#"{"usage":{"input_tokens":7,"input_tokens_details":{"cached_tokens":2},"output_tokens":3}}"#.utf8))
        #expect(usage == TokenUsage(input: 7, cachedInput: 2, output: 3))
    }

    @Test func aNativeStreamSaysWhatTheAppAskedAndIsKeptWhateverItsChunks() throws {
        // What a provider's own Responses API streams for a request sent with `store: false`.
        let upstream = try request(#"{"model":"chat","input":"hi","stream":true,"store":false}"#)
        var provider = upstream.translatingStream(from: FixedDecoder(), model: "m")
        var sent = try provider.transform(ByteBuffer())
        var end = provider.finish()
        sent.writeBuffer(&end)
        #expect(String(buffer: sent).contains(#""store":false"#))

        let kept = Mutex<[(id: String, response: String, inputCount: Int)]>([])
        var inbound = try request(#"{"model":"chat","input":"hi","stream":true}"#)
        inbound.conversation = ResponsesConversation(
            previousResponseID: "resp_before", history: Array(#"[{"id":"m0","type":"message","role":"user","content":"a"}]"#.utf8),
            recorder: ResponseRecorder { id, response, _, inputCount in
                kept.withLock { $0.append((id, response, inputCount)) }
            })
        var relay = inbound.passThroughStream()
        var relayed = ByteBuffer()
        for byte in sent.readableBytesView {
            var out = try relay.transform(ByteBuffer(bytes: [byte]))
            relayed.writeBuffer(&out)
        }
        var tail = relay.finish()
        relayed.writeBuffer(&tail)
        #expect(relay.isComplete && relay.usage == TokenUsage(input: 3, cachedInput: 0, output: 4))

        var decoder = ResponsesEventDecoder()
        #expect(try decoder.decode(relayed).count == 8)
        let text = String(buffer: relayed)
        #expect(!text.contains(#""store":false"#))
        #expect(text.components(separatedBy: #""store":true"#).count == 4)  // created, in_progress, completed
        #expect(text.components(separatedBy: #""previous_response_id":"resp_before""#).count == 4)
        let record = try #require(kept.withLock { $0.first })
        #expect(kept.withLock { $0.count } == 1 && record.inputCount == 2)
        let response = try JSONObjectIndex(document: Array(record.response.utf8))
        #expect(response.string("id") == record.id && response.bool("store") == true && response.arrayCount("output") == 2)
    }

    @Test func aNativeContinuationLeavesOutWhatTheProviderCannotRead() throws {
        var inbound = try request(#"{"model":"chat","input":"next"}"#)
        inbound.conversation = ResponsesConversation(
            previousResponseID: "resp_1",
            history: Array(
                #"""
                [{"id":"msg_1_in_0","type":"message","role":"user","content":[{"type":"input_text","text":"a"}]},
                 {"id":"rs_1","type":"reasoning","summary":[]},
                 {"id":"rs_2","type":"reasoning","summary":[],"encrypted_content":"gAAA"},
                 {"id":"msg_2","type":"message","role":"assistant","status":"completed","content":[]}]
                """#.utf8))
        let body = try JSONObjectIndex(document: inbound.passThroughBody(upstreamModel: "m", requestStreamUsage: false))
        let items = try #require(body.objects(inArray: "input"))
        #expect(items.map { $0.string("id") } == [nil, "rs_2", "msg_2", nil])
        #expect(items.first?.string("role") == "user" && items.last?.string("content") == "next")
        #expect(body["previous_response_id"]?.kind == .null)
    }
}

/// Canonical events of one answer with text and a tool call, all at once.
private struct FixedDecoder: ChatStreamDecoding {
    var isComplete = false
    mutating func decode(_ chunk: ByteBuffer) throws(DialectDecodingError) -> [ChatStreamEvent] {
        isComplete = true
        return [
            .start(id: "x", model: "m"), .textDelta("Hel"), .textDelta("lo"), .toolCallStart(index: 0, id: "call_1", name: "f"),
            .toolCallArgumentsDelta(index: 0, #"{"a""#), .toolCallArgumentsDelta(index: 0, ":1}"), .finish(.toolCalls),
            .usage(TokenUsage(input: 3, cachedInput: 0, output: 4)),
        ]
    }
}
