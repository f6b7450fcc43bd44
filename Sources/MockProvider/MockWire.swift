import JSONScanning

/// OpenAI chat completion JSON as the mock writes it, following OpenAI's documented shapes
/// (`chat.completion` and `chat.completion.chunk`, usage with token details).
enum MockWire {
    static func usage(_ answer: MockAnswer, extraOutput: Int = 0) -> String {
        let prompt = answer.promptTokens
        let completion = answer.completionTokens + extraOutput
        return
            #"{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion),"total_tokens":\#(prompt + completion),"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}"#
    }

    static func completion(
        _ answer: MockAnswer, call: MockToolCall? = nil, id: String, created: Int, model: String, withUsage: Bool = true,
        reportedUsage: String? = nil
    ) -> String {
        let content = JSONEncoding.quoted(answer.text)
        let modelJSON = JSONEncoding.quoted(model)
        var calls = ""
        if let call {
            calls =
                #","tool_calls":[{"id":"\#(call.id)","type":"function","function":{"name":\#(JSONEncoding.quoted(call.name)),"arguments":\#(JSONEncoding.quoted(call.arguments))}}]"#
        }
        let finish = call == nil ? answer.finishReason : "tool_calls"
        let usage =
            withUsage ? #","usage":"# + (reportedUsage ?? usage(answer, extraOutput: call == nil ? 0 : MockToolCall.outputTokens)) : ""
        return
            #"{"id":"\#(id)","object":"chat.completion","created":\#(created),"model":\#(modelJSON),"choices":[{"index":0,"message":{"role":"assistant","content":\#(content),"refusal":null,"annotations":[]\#(calls)},"logprobs":null,"finish_reason":"\#(finish)"}]\#(usage),"service_tier":"default","system_fingerprint":"fp_switchyard_mock"}"#
    }

    /// The fields every chunk of one stream shares.
    struct ChunkFrame {
        let id: String
        let created: Int
        let model: String
        /// OpenAI sends `"usage":null` on every chunk when usage was requested.
        let includeUsage: Bool

        private func chunk(choices: String, usage: String? = nil) -> String {
            let modelJSON = JSONEncoding.quoted(model)
            var text =
                #"{"id":"\#(id)","object":"chat.completion.chunk","created":\#(created),"model":\#(modelJSON),"service_tier":"default","system_fingerprint":"fp_switchyard_mock","choices":\#(choices)"#
            if includeUsage { text += #","usage":\#(usage ?? "null")"# }
            return text + "}"
        }

        func roleChunk() -> String {
            chunk(choices: #"[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]"#)
        }

        func contentChunk(_ text: String) -> String {
            let content = JSONEncoding.quoted(text)
            return chunk(choices: #"[{"index":0,"delta":{"content":\#(content)},"logprobs":null,"finish_reason":null}]"#)
        }

        func finishChunk(_ reason: String) -> String {
            chunk(choices: #"[{"index":0,"delta":{},"logprobs":null,"finish_reason":"\#(reason)"}]"#)
        }

        func usageChunk(_ answer: MockAnswer, extraOutput: Int = 0, reported: String? = nil) -> String {
            chunk(choices: "[]", usage: reported ?? MockWire.usage(answer, extraOutput: extraOutput))
        }

        /// The call's head, then its arguments in two pieces, as OpenAI streams tool calls.
        func toolCallChunks(_ call: MockToolCall) -> [String] {
            let name = JSONEncoding.quoted(call.name)
            let arguments = call.arguments
            let middle = arguments.index(arguments.startIndex, offsetBy: arguments.count / 2)
            var chunks = [
                chunk(
                    choices:
                        #"[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"\#(call.id)","type":"function","function":{"name":\#(name),"arguments":""}}]},"logprobs":null,"finish_reason":null}]"#
                )
            ]
            for piece in [String(arguments[..<middle]), String(arguments[middle...])] {
                let json = JSONEncoding.quoted(piece)
                chunks.append(
                    chunk(
                        choices:
                            #"[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":\#(json)}}]},"logprobs":null,"finish_reason":null}]"#
                    ))
            }
            return chunks
        }
    }
}
