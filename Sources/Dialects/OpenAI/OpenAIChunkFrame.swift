import GatewayModel
import JSONScanning
import NIOCore
import ServerSentEvents

/// What every chunk of one OpenAI stream shares — id, object type, creation time, model, and
/// whether usage was asked for — and the closing events both OpenAI stream shapes end with
/// (chat's `chat.completion.chunk`, legacy completions' `text_completion`).
struct OpenAIChunkFrame: Sendable {
    var id: String
    let object: String
    let created: Int
    let model: String
    /// The client asked for usage (`stream_options.include_usage`): every chunk then carries
    /// `"usage":null`, and a usage-only chunk comes last.
    let includeUsage: Bool

    /// One event holding `choice` (a JSON object) as the only choice.
    func chunk(choice: String) -> ByteBuffer {
        var chunk = prefix + #""choices":[\#(choice)]"#
        if includeUsage { chunk += #","usage":null"# }
        chunk += "}"
        return ServerSentEventEncoder.encode(data: Array(chunk.utf8))
    }

    /// The usage chunk (`choices: []`, when asked for) and `[DONE]`.
    func closing(usage: TokenUsage?) -> ByteBuffer {
        var output = ByteBuffer()
        if includeUsage, let usage {
            let chunk = prefix + #""choices":[],"usage":\#(OpenAIResponseEncoding.usage(usage))}"#
            output.writeImmutableBuffer(ServerSentEventEncoder.encode(data: Array(chunk.utf8)))
        }
        output.writeImmutableBuffer(ServerSentEventEncoder.encode(data: Array("[DONE]".utf8)))
        return output
    }

    private var prefix: String {
        #"{"id":\#(JSONEncoding.quoted(id)),"object":"\#(object)","created":\#(created),"model":\#(JSONEncoding.quoted(model)),"#
    }

    /// `"stop"`, or `null` while the choice goes on.
    static func finishReason(_ reason: String?) -> String {
        reason.map { "\"\($0)\"" } ?? "null"
    }
}
