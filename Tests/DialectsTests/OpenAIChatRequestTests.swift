import Dialects
import GatewayModel
import JSONScanning
import NIOCore
import Testing

@Suite struct OpenAIChatRequestTests {
    func request(_ text: String) throws(GatewayError) -> OpenAIChatRequest {
        try OpenAIChatRequest(body: Array(text.utf8))
    }

    @Test func readsTheFieldsRoutingNeeds() throws {
        let chat = try request(
            #"{"model":"chat","stream":true,"stream_options":{"include_usage":true},"max_tokens":64,"messages":[{"role":"user","content":"hi"}]}"#
        )
        #expect(chat.model == "chat")
        #expect(chat.stream)
        #expect(chat.clientWantsStreamUsage)
        #expect(chat.maxOutputTokens == 64)
    }

    @Test func rewritesOnlyWhatItMust() throws {
        let body = #"{"model":"chat","messages":[{"role":"user","content":"hi"}],"temperature":0.2}"#
        let chat = try request(body)
        #expect(chat.upstreamBody(model: "chat", requestStreamUsage: true) == Array(body.utf8))
        #expect(
            String(decoding: chat.upstreamBody(model: "deepseek-chat", requestStreamUsage: true), as: UTF8.self)
                == #"{"model":"deepseek-chat","messages":[{"role":"user","content":"hi"}],"temperature":0.2}"#)
    }

    @Test func asksForStreamUsageUnlessTheClientAlreadyDid() throws {
        let plain = try request(#"{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}"#)
        let upstream = try JSONObjectIndex(document: plain.upstreamBody(model: "m", requestStreamUsage: true))
        #expect(upstream.object("stream_options")?.bool("include_usage") == true)
        #expect(plain.upstreamBody(model: "m", requestStreamUsage: false) == plain.index.bytes)
    }

    @Test(arguments: [
        (#"{"model":"m""#, 400, nil as String?),
        (#"{"messages":[{"role":"user","content":"x"}]}"#, 400, "model"),
        (#"{"model":3,"messages":[{"role":"user","content":"x"}]}"#, 400, "model"),
        (#"{"model":"m"}"#, 400, "messages"),
        (#"{"model":"m","messages":{}}"#, 400, "messages"),
        (#"{"model":"m","messages":[],"stream":true}"#, 400, "messages"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"}"#, 400, "stream"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"stream_options":{"include_usage":true}}"#, 400, "stream_options"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":0}"#, 400, "max_tokens"),
    ])
    func badRequestsNameTheField(body: String, status: Int, parameter: String?) {
        #expect {
            try request(body)
        } throws: { error in
            guard let error = error as? GatewayError else { return false }
            return error.status == status && error.parameter == parameter
        }
    }

    @Test func errorBodiesFollowOpenAIsEnvelope() throws {
        let body = OpenAIErrorFormat.body(for: .modelNotFound("x\"y"))
        let index = try JSONObjectIndex(document: body)
        let error = try #require(index.object("error"))
        #expect(error.string("message")?.contains("x\"y") == true)
        #expect(error.string("type") == "not_found_error")
        #expect(error.string("param") == "model")
        #expect(error.string("code") == "model_not_found")
        #expect(OpenAIErrorFormat.message(in: body)?.contains("x\"y") == true)
    }
}

@Suite struct OpenAIStreamRelayTests {
    static let chunk =
        #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":null}],"usage":null}"#
    static let usage =
        #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":3}}}"#
    static let stream = "data: \(chunk)\n\ndata: \(usage)\n\ndata: [DONE]\n\n"

    @Test func dropsTheUsageChunkTheGatewayAskedFor() throws {
        var relay = OpenAIStreamRelay(clientWantsUsage: false)
        var output = try relay.relay(ByteBuffer(string: Self.stream))
        var tail = relay.finish()
        output.writeBuffer(&tail)
        #expect(String(buffer: output) == "data: \(Self.chunk)\n\ndata: [DONE]\n\n")
        #expect(relay.usage == TokenUsage(input: 9, cachedInput: 3, output: 2))
        #expect(relay.sawDone)
    }

    @Test func keepsItWhenTheClientAskedAndForwardsBytesUnchanged() throws {
        var relay = OpenAIStreamRelay(clientWantsUsage: true)
        var output = ByteBuffer()
        for byte in Self.stream.utf8 {  // one byte at a time
            var piece = try relay.relay(ByteBuffer(bytes: [byte]))
            output.writeBuffer(&piece)
        }
        #expect(String(buffer: output) == Self.stream)
        #expect(relay.usage?.input == 9)
        #expect(relay.eventCount == 3)
    }

    @Test func ignoresUsageTextInsideContent() throws {
        var relay = OpenAIStreamRelay(clientWantsUsage: false)
        let tricky = #"{"choices":[{"delta":{"content":"\"usage\": {}"}}],"usage":null}"#
        let output = try relay.relay(ByteBuffer(string: "data: \(tricky)\n\n"))
        #expect(String(buffer: output) == "data: \(tricky)\n\n")
        #expect(relay.usage == nil)
    }

    @Test func readsDeepSeekCacheHitsAndUsageOnAContentChunk() throws {
        var relay = OpenAIStreamRelay(clientWantsUsage: false)
        let last =
            #"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":20,"completion_tokens":5,"prompt_cache_hit_tokens":16}}"#
        let output = try relay.relay(ByteBuffer(string: "data: \(last)\n\n"))
        #expect(String(buffer: output) == "data: \(last)\n\n")  // it carries a choice, so it stays
        #expect(relay.usage == TokenUsage(input: 20, cachedInput: 16, output: 5))
    }
}
