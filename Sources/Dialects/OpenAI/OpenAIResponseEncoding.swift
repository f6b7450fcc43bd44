import Foundation
public import GatewayModel
import JSONScanning
public import NIOCore
import ServerSentEvents

/// Writes canonical answers as OpenAI `chat.completion` JSON and `chat.completion.chunk`
/// SSE events, following the shapes in OpenAI's published OpenAPI description.
public enum OpenAIResponseEncoding {

    public static func finishReason(_ reason: FinishReason) -> String {
        switch reason {
        case .stop: "stop"
        case .length: "length"
        case .toolCalls: "tool_calls"
        case .contentFilter: "content_filter"
        }
    }

    /// OpenAI's shape has no place for cache writes: they stay within `prompt_tokens`.
    static func usage(_ usage: TokenUsage) -> String {
        #"{"prompt_tokens":\#(usage.input),"completion_tokens":\#(usage.output),"total_tokens":\#(usage.total),"prompt_tokens_details":{"cached_tokens":\#(usage.cachedInput)},"completion_tokens_details":{"reasoning_tokens":\#(usage.reasoning)}}"#
    }

    /// A `chat.completion` object; `model` is what the client asked for.
    public static func completion(_ response: ChatResponse, model: String, created: Int = Int(Date().timeIntervalSince1970)) -> [UInt8] {
        var message = #"{"role":"assistant","content":"#
        message += response.text.isEmpty && !response.toolCalls.isEmpty ? "null" : JSONEncoding.quoted(response.text)
        message += #","refusal":null"#
        if !response.toolCalls.isEmpty {
            let calls = response.toolCalls.map {
                #"{"id":\#(JSONEncoding.quoted($0.id)),"type":"function","function":{"name":\#(JSONEncoding.quoted($0.name)),"arguments":\#(JSONEncoding.quoted($0.arguments))}}"#
            }
            message += #","tool_calls":[\#(calls.joined(separator: ","))]"#
        }
        message += "}"
        let json =
            #"{"id":\#(JSONEncoding.quoted(response.id)),"object":"chat.completion","created":\#(created),"model":\#(JSONEncoding.quoted(model)),"choices":[{"index":0,"message":\#(message),"logprobs":null,"finish_reason":"\#(finishReason(response.finishReason))"}],"usage":\#(usage(response.usage))}"#
        return Array(json.utf8)
    }
}

/// Encodes canonical stream events as OpenAI chunks for one streamed answer.
///
/// The first chunk carries the assistant role; the finish reason gets a chunk of its own;
/// usage is sent last (`choices: []`) only when the client asked with `stream_options`,
/// then `data: [DONE]`.
public struct OpenAIStreamEncoder: Sendable {
    private var frame: OpenAIChunkFrame
    private var started = false
    public private(set) var usage: TokenUsage?

    public init(model: String, includeUsage: Bool, created: Int = Int(Date().timeIntervalSince1970)) {
        self.frame = OpenAIChunkFrame(
            id: "chatcmpl-switchyard", object: "chat.completion.chunk", created: created, model: model, includeUsage: includeUsage)
    }

    public mutating func encode(_ events: [ChatStreamEvent]) -> ByteBuffer {
        var output = ByteBuffer()
        for event in events {
            switch event {
            case .start(let id, _):
                frame.id = id
                startIfNeeded(&output)
            case .textDelta(let text):
                startIfNeeded(&output)
                write(#"{"content":\#(JSONEncoding.quoted(text))}"#, finish: nil, to: &output)
            case .toolCallStart(let index, let id, let name):
                startIfNeeded(&output)
                let call =
                    #"{"index":\#(index),"id":\#(JSONEncoding.quoted(id)),"type":"function","function":{"name":\#(JSONEncoding.quoted(name)),"arguments":""}}"#
                write(#"{"tool_calls":[\#(call)]}"#, finish: nil, to: &output)
            case .toolCallArgumentsDelta(let index, let fragment):
                startIfNeeded(&output)
                let call = #"{"index":\#(index),"function":{"arguments":\#(JSONEncoding.quoted(fragment))}}"#
                write(#"{"tool_calls":[\#(call)]}"#, finish: nil, to: &output)
            case .finish(let reason):
                startIfNeeded(&output)
                write("{}", finish: OpenAIResponseEncoding.finishReason(reason), to: &output)
            case .usage(let usage):
                self.usage = usage
            }
        }
        return output
    }

    /// The closing events: the usage chunk (when asked for) and `[DONE]`.
    public mutating func finish() -> ByteBuffer {
        var output = ByteBuffer()
        startIfNeeded(&output)
        output.writeImmutableBuffer(frame.closing(usage: usage))
        return output
    }

    private mutating func startIfNeeded(_ output: inout ByteBuffer) {
        guard !started else { return }
        started = true
        write(#"{"role":"assistant","content":""}"#, finish: nil, to: &output)
    }

    private func write(_ delta: String, finish: String?, to output: inout ByteBuffer) {
        output.writeImmutableBuffer(
            frame.chunk(choice: #"{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":\#(OpenAIChunkFrame.finishReason(finish))}"#)
        )
    }
}
