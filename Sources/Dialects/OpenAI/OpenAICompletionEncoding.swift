import Foundation
public import GatewayModel
import JSONScanning
public import NIOCore
import ServerSentEvents

/// Writes canonical answers as OpenAI `text_completion` JSON and stream chunks (the legacy
/// completions endpoint), following OpenAI's published OpenAPI description.
public enum OpenAICompletionEncoding {
    /// The legacy endpoint knows `stop`, `length` and `content_filter` (it has no tools).
    static func finishReason(_ reason: FinishReason) -> String {
        switch reason {
        case .stop, .toolCalls: "stop"
        case .length: "length"
        case .contentFilter: "content_filter"
        }
    }

    /// A `text_completion` object; `echoed` (the prompt, for `echo: true`) precedes the text.
    public static func completion(
        _ response: ChatResponse, model: String, echoed: String = "", created: Int = Int(Date().timeIntervalSince1970)
    ) -> [UInt8] {
        let json =
            #"{"id":\#(JSONEncoding.quoted(response.id)),"object":"text_completion","created":\#(created),"model":\#(JSONEncoding.quoted(model)),"choices":[{"text":\#(JSONEncoding.quoted(echoed + response.text)),"index":0,"logprobs":null,"finish_reason":"\#(finishReason(response.finishReason))"}],"usage":\#(OpenAIResponseEncoding.usage(response.usage))}"#
        return Array(json.utf8)
    }
}

/// Encodes canonical stream events as `text_completion` chunks for one streamed answer: the
/// echoed prompt first (when asked), a chunk per text delta, the finish reason on a chunk of
/// its own, the usage chunk (`choices: []`) only when the client asked with `stream_options`,
/// then `data: [DONE]`.
public struct OpenAICompletionStreamEncoder: Sendable {
    private var frame: OpenAIChunkFrame
    private var echoed: String?
    public private(set) var usage: TokenUsage?

    public init(model: String, includeUsage: Bool, echoed: String = "", created: Int = Int(Date().timeIntervalSince1970)) {
        self.frame = OpenAIChunkFrame(
            id: "cmpl-switchyard", object: "text_completion", created: created, model: model, includeUsage: includeUsage)
        self.echoed = echoed.isEmpty ? nil : echoed
    }

    public mutating func encode(_ events: [ChatStreamEvent]) -> ByteBuffer {
        var output = ByteBuffer()
        for event in events {
            switch event {
            case .start(let id, _):
                frame.id = id
                writeEcho(to: &output)
            case .textDelta(let text):
                writeEcho(to: &output)
                write(text, finish: nil, to: &output)
            case .finish(let reason):
                writeEcho(to: &output)
                write("", finish: OpenAICompletionEncoding.finishReason(reason), to: &output)
            case .usage(let usage):
                self.usage = usage
            case .toolCallStart, .toolCallArgumentsDelta:
                break  // no tools are offered through this endpoint
            }
        }
        return output
    }

    /// The closing events: the usage chunk (when asked for) and `[DONE]`.
    public mutating func finish() -> ByteBuffer {
        var output = ByteBuffer()
        writeEcho(to: &output)
        output.writeImmutableBuffer(frame.closing(usage: usage))
        return output
    }

    private mutating func writeEcho(to output: inout ByteBuffer) {
        guard let echoed else { return }
        self.echoed = nil
        write(echoed, finish: nil, to: &output)
    }

    private func write(_ text: String, finish: String?, to output: inout ByteBuffer) {
        output.writeImmutableBuffer(
            frame.chunk(
                choice:
                    #"{"text":\#(JSONEncoding.quoted(text)),"index":0,"logprobs":null,"finish_reason":\#(OpenAIChunkFrame.finishReason(finish))}"#
            ))
    }
}
