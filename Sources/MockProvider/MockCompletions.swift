import Foundation
import Hummingbird
import JSONScanning
import NIOCore

/// OpenAI's legacy completions (`POST /v1/completions`) as the mock speaks it: `prompt` as a
/// string, a batch of strings or token ids; one choice per prompt and per `n`; `echo` puts the
/// prompt before the text; `text_completion` JSON, or SSE chunks with the usage chunk last when
/// `stream_options.include_usage` asks.
extension MockProvider {
    func completions(_ request: Request) async throws -> Response {
        let (body, refusal) = try await openAIRequest(request)
        if let refusal { return refusal }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let model = json["model"] as? String, let prompts = Self.prompts(json["prompt"])
        else {
            return Self.error(.badRequest, type: "invalid_request_error", code: nil, message: "Expected a completions request.")
        }
        let perPrompt = max(1, json["n"] as? Int ?? 1)
        let echo = json["echo"] as? Bool ?? false
        let maxTokens = json["max_tokens"] as? Int
        let answers = prompts.map { MockAnswer(requestText: $0, messageCount: 0, options: options, maxTokens: maxTokens) }
        let choices: [(text: String, answer: MockAnswer)] = zip(prompts, answers).flatMap { prompt, answer in
            Array(repeating: (echo ? prompt : "", answer), count: perPrompt)
        }
        // Each prompt is read once, whatever `n`; every choice is generated.
        let usage =
            options.reportedUsage
            ?? MockWire.usage(
                MockAnswer(
                    words: choices.flatMap(\.answer.words), promptTokens: answers.reduce(0) { $0 + $1.promptTokens }, finishReason: "stop"))
        let frame = CompletionFrame(
            id: "cmpl-\(options.name)-\(UInt32.random(in: 0...UInt32.max))", created: Int(Date().timeIntervalSince1970), model: model)
        if json["stream"] as? Bool == true {
            let includeUsage = !options.omitUsage && (json["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            let stream = ResponseBody { writer in
                for (index, choice) in choices.enumerated() {
                    if !choice.text.isEmpty { try await writer.write(Self.event(frame.chunk(choice.text, index: index))) }
                    for (position, word) in choice.answer.words.enumerated() {
                        try await pause(forTokens: 1, includingFirst: index == 0 && position == 0)
                        try await writer.write(Self.event(frame.chunk(word, index: index)))
                    }
                    try await writer.write(Self.event(frame.chunk("", index: index, finish: choice.answer.finishReason)))
                }
                if includeUsage { try await writer.write(Self.event(frame.usageChunk(usage))) }
                try await writer.write(Self.event("[DONE]"))
                try await options.finishStream(&writer)
            }
            return Response(status: .ok, headers: headers, body: stream)
        }
        try await pause(forTokens: choices.first?.answer.completionTokens ?? 0, includingFirst: true)
        let choiceJSON = choices.enumerated().map { index, choice in
            frame.choice(choice.text + choice.answer.text, index: index, finish: choice.answer.finishReason)
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let text = frame.object(choices: "[\(choiceJSON.joined(separator: ","))]", usage: options.omitUsage ? nil : usage)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The prompts of a request: a string, strings, or token ids (each list read as one prompt).
    static func prompts(_ value: Any?) -> [String]? {
        if let text = value as? String { return [text] }
        if let texts = value as? [String], !texts.isEmpty { return texts }
        if let tokens = value as? [Int], !tokens.isEmpty { return [tokens.map(String.init).joined(separator: " ")] }
        if let lists = value as? [[Int]], !lists.isEmpty { return lists.map { $0.map(String.init).joined(separator: " ") } }
        return nil
    }

    /// The `text_completion` members one answer shares.
    struct CompletionFrame {
        let id: String
        let created: Int
        let model: String

        func object(choices: String, usage: String?) -> String {
            let modelJSON = JSONEncoding.quoted(model)
            var text =
                #"{"id":"\#(id)","object":"text_completion","created":\#(created),"model":\#(modelJSON),"system_fingerprint":"fp_switchyard_mock","choices":\#(choices)"#
            if let usage { text += #","usage":\#(usage)"# }
            return text + "}"
        }

        func choice(_ text: String, index: Int, finish: String?) -> String {
            let textJSON = JSONEncoding.quoted(text)
            return #"{"text":\#(textJSON),"index":\#(index),"logprobs":null,"finish_reason":\#(finish.map { "\"\($0)\"" } ?? "null")}"#
        }

        func chunk(_ text: String, index: Int, finish: String? = nil) -> String {
            object(choices: "[\(choice(text, index: index, finish: finish))]", usage: nil)
        }

        func usageChunk(_ usage: String) -> String { object(choices: "[]", usage: usage) }
    }
}
