import Dialects
import Foundation
import GatewayModel
import JSONScanning
import NIOCore
import Testing

/// The legacy completions request: read for routing without decoding, passed through with the
/// model spliced, or turned into one user message — and answered in `text_completion` shape.
@Suite struct OpenAICompletionsRequestTests {
    func request(_ text: String) throws(GatewayError) -> OpenAICompletionsRequest {
        try OpenAICompletionsRequest(body: Array(text.utf8))
    }

    @Test func whatThePromptHoldsDecidesWhereItMayGo() throws {
        #expect(try request(#"{"model":"m","prompt":"hi"}"#).prompt == .text("hi"))
        #expect(try request(#"{"model":"m","prompt":["hi"]}"#).prompt == .text("hi"))
        #expect(try request(#"{"model":"m","prompt":["a","b"]}"#).prompt == .batch(count: 2))
        #expect(try request(#"{"model":"m","prompt":[1,2]}"#).prompt == .tokens)
        #expect(try request(#"{"model":"m","prompt":[[1],[2,3]]}"#).prompt == .tokens)
        #expect(try request(#"{"model":"m","prompt":"hi","max_tokens":5}"#).routingFacts.requiredEndpoint == nil)
        #expect(try request(#"{"model":"m","prompt":["a","b"]}"#).routingFacts.requiredEndpoint == .completions)
        #expect(try request(#"{"model":"m","prompt":"hi","max_tokens":0,"echo":true}"#).routingFacts.requiredEndpoint == .completions)
        #expect(OpenAICompletionsRequest.operation == .completions)
    }

    @Test(arguments: [
        (#"{"model":"m"}"#, "prompt"), (#"{"model":"m","prompt":null}"#, "prompt"), (#"{"model":"m","prompt":5}"#, "prompt"),
        (#"{"model":"m","prompt":["a",1]}"#, "prompt"), (#"{"model":"m","prompt":[]}"#, "prompt"),
        (#"{"model":"m","prompt":{"a":1}}"#, "prompt"), (#"{"model":"m","prompt":"x","echo":1}"#, "echo"),
        (#"{"model":"m","prompt":"x","logprobs":6}"#, "logprobs"), (#"{"model":"m","prompt":"x","max_tokens":-1}"#, "max_tokens"),
        (#"{"prompt":"x"}"#, "model"), (#"{"model":"m","prompt":"x","stream_options":{}}"#, "stream_options"),
    ])
    func badInputNamesTheField(body: String, parameter: String) {
        #expect(throws: GatewayError.self) { try request(body) }
        do {
            _ = try request(body)
        } catch {
            #expect(error.status == 400)
            #expect(error.parameter == parameter)
        }
    }

    @Test func passedThroughWithTheModelSplicedAndStreamUsageAsked() throws {
        let streamed = try request(#"{"model":"instruct","prompt":"hi","suffix":"!","stream":true}"#)
        let upstream = try JSONObjectIndex(
            document: streamed.passThroughBody(upstreamModel: "gpt-3.5-turbo-instruct", requestStreamUsage: true))
        #expect(upstream.string("model") == "gpt-3.5-turbo-instruct")
        #expect(upstream.string("suffix") == "!")
        #expect(upstream.object("stream_options")?.bool("include_usage") == true)
    }

    @Test func throughChatThePromptIsOneUserMessageAndTheRestIsNamed() throws {
        let chat = try request(
            #"{"model":"m","prompt":["Say hi"],"max_tokens":7,"temperature":0.5,"stop":"\n","echo":true,"suffix":"!","n":2,"logprobs":null}"#
        ).canonical()
        #expect(chat.messages == [ChatMessage(role: .user, content: [.text("Say hi")])])
        #expect(chat.maxOutputTokens == 7)
        #expect(chat.temperature == 0.5)
        #expect(chat.stopSequences == ["\n"])
        #expect(chat.unmappedParameters == ["suffix", "n"])
        // A batch never reaches chat (routing keeps it to completions endpoints); if it did, a 400.
        #expect(throws: GatewayError.self) { try request(#"{"model":"m","prompt":["a","b"]}"#).canonical() }
    }

    @Test func answersInTextCompletionShapeWithTheEchoFirst() throws {
        let inbound = try request(#"{"model":"m","prompt":"Q: ","echo":true}"#)
        let answer = ChatResponse(
            id: "msg_1", model: "claude", text: "A.", finishReason: .length, usage: TokenUsage(input: 3, cachedInput: 0, output: 2))
        let json = try JSONObjectIndex(document: inbound.encodeAnswer(answer))
        #expect(json.string("object") == "text_completion")
        let choice = try #require(json.objects(inArray: "choices")?.first)
        #expect(choice.string("text") == "Q: A.")
        #expect(choice.string("finish_reason") == "length")
        #expect(json.object("usage")?.int("completion_tokens") == 2)
    }

    @Test func aTranslatedStreamEchoesThenStreamsTextAndEndsWithUsageAndDone() throws {
        var encoder = OpenAICompletionStreamEncoder(model: "m", includeUsage: true, echoed: "Q: ", created: 1)
        var output = encoder.encode([.start(id: "msg_1", model: "claude"), .textDelta("A"), .textDelta("."), .finish(.stop)])
        output.writeImmutableBuffer(encoder.encode([.usage(TokenUsage(input: 3, cachedInput: 0, output: 2))]))
        output.writeImmutableBuffer(encoder.finish())
        let events = String(buffer: output).components(separatedBy: "\n\n").filter { !$0.isEmpty }
        #expect(events.count == 6)
        #expect(events[0].contains(#""choices":[{"text":"Q: ","index":0,"logprobs":null,"finish_reason":null}]"#))
        #expect(events[0].contains(#""id":"msg_1","object":"text_completion""#))
        #expect(events[3].contains(#""finish_reason":"stop""#))
        #expect(events[4].contains(#""choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2"#))
        #expect(events[5] == "data: [DONE]")
    }
}
