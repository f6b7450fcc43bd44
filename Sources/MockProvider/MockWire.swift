import JSONScanning

/// OpenAI chat completion JSON as the mock writes it, following OpenAI's documented shapes
/// (`chat.completion` and `chat.completion.chunk`, usage with token details).
enum MockWire {
    static func usage(_ answer: MockAnswer) -> String {
        let prompt = answer.promptTokens
        let completion = answer.completionTokens
        return #"{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion),"total_tokens":\#(prompt + completion),"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#
    }

    static func completion(_ answer: MockAnswer, id: String, created: Int, model: String) -> String {
        let content: String = JSONEncoding.string(answer.text)
        let modelJSON: String = JSONEncoding.string(model)
        return #"{"id":"\#(id)","object":"chat.completion","created":\#(created),"model":\#(modelJSON),"choices":[{"index":0,"message":{"role":"assistant","content":\#(content),"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"\#(answer.finishReason)"}],"usage":\#(usage(answer)),"service_tier":"default","system_fingerprint":"fp_switchyard_mock"}"#
    }

    /// The fields every chunk of one stream shares.
    struct ChunkFrame {
        let id: String
        let created: Int
        let model: String
        /// OpenAI sends `"usage":null` on every chunk when usage was requested.
        let includeUsage: Bool

        private func chunk(choices: String, usage: String? = nil) -> String {
            let modelJSON: String = JSONEncoding.string(model)
            var text = #"{"id":"\#(id)","object":"chat.completion.chunk","created":\#(created),"model":\#(modelJSON),"service_tier":"default","system_fingerprint":"fp_switchyard_mock","choices":\#(choices)"#
            if includeUsage { text += #","usage":\#(usage ?? "null")"# }
            return text + "}"
        }

        func roleChunk() -> String {
            chunk(choices: #"[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]"#)
        }

        func contentChunk(_ text: String) -> String {
            let content: String = JSONEncoding.string(text)
            return chunk(choices: #"[{"index":0,"delta":{"content":\#(content)},"logprobs":null,"finish_reason":null}]"#)
        }

        func finishChunk(_ reason: String) -> String {
            chunk(choices: #"[{"index":0,"delta":{},"logprobs":null,"finish_reason":"\#(reason)"}]"#)
        }

        func usageChunk(_ answer: MockAnswer) -> String {
            chunk(choices: "[]", usage: MockWire.usage(answer))
        }
    }
}
