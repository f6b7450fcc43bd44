import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServerSentEvents

/// Anthropic's Messages API (`POST /v1/messages`) as the mock speaks it: JSON and SSE with
/// the documented event sequence, `x-api-key` authentication, Anthropic's error envelope.
///
/// Tools: when the request offers tools and its last turn is not a tool result, the mock
/// calls the first tool, with arguments made from the schema's required properties
/// (strings "mock", numbers 1, booleans true); after a tool result it answers in text that
/// quotes the result. So a tool round trip is deterministic end to end.
extension MockProvider {
    func messages(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 32 << 20)
        let key = request.headers[HTTPField.Name("x-api-key")!]
        log.append(.init(path: request.uri.path, authorization: key, body: String(buffer: body), headers: request.headers))
        if options.latencyMilliseconds > 0 { try await Task.sleep(for: .milliseconds(options.latencyMilliseconds)) }
        if let required = options.requiredKey, key != required {
            return Self.anthropicError(.unauthorized, type: "authentication_error", message: "invalid x-api-key")
        }
        if options.failRate > 0, Double.random(in: 0..<1) < options.failRate {
            let type = options.failStatus == 429 ? "rate_limit_error" : options.failStatus == 529 ? "overloaded_error" : "api_error"
            var response = Self.anthropicError(
                .init(code: options.failStatus), type: type, message: "\(options.name) failed with \(options.failStatus) (simulated).")
            if let retryAfter = options.retryAfterSeconds { response.headers[.retryAfter] = String(retryAfter) }
            return response
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let model = json["model"] as? String, let messages = json["messages"] as? [[String: Any]],
            let maxTokens = json["max_tokens"] as? Int
        else {
            return Self.anthropicError(.badRequest, type: "invalid_request_error", message: "model, messages and max_tokens are required")
        }
        let thinking = (json["thinking"] as? [String: Any]).flatMap { $0["type"] as? String == "enabled" ? $0 : nil }
        if let thinking, let refusal = Self.thinkingRefusal(thinking, request: json, maxTokens: maxTokens, messages: messages) {
            return Self.anthropicError(.badRequest, type: "invalid_request_error", message: refusal)
        }
        let lastBlocks = messages.last.map { Self.blocks($0["content"]) } ?? []
        let toolResult = lastBlocks.first { $0["type"] as? String == "tool_result" }
        let tools = json["tools"] as? [[String: Any]] ?? []
        let requestText =
            messages.map { Self.blocks($0["content"]).compactMap { $0["text"] as? String }.joined(separator: " ") }
            .joined(separator: "\n") + ((json["system"] as? String).map { "\n" + $0 } ?? "")
        var answer = MockAnswer(requestText: requestText, messageCount: messages.count, options: options, maxTokens: maxTokens)
        if options.echo, toolResult == nil {
            answer = answer.echoing(lastBlocks.compactMap { $0["text"] as? String }.joined())
        }
        if let toolResult {
            let result =
                (toolResult["content"] as? String) ?? Self.blocks(toolResult["content"]).compactMap { $0["text"] as? String }.joined()
            answer = answer.prefixed(with: " tool said: \(result)")
        }
        let format = (json["output_config"] as? [String: Any])?["format"] as? [String: Any]
        if let format { answer = answer.structured(MockStructuredOutput.document(for: format["schema"] as? [String: Any])) }
        let call = toolResult == nil && format == nil ? tools.first.map(Self.mockCall) : nil
        let id = "msg_mock_\(UInt32.random(in: 0...UInt32.max))"
        if json["stream"] as? Bool == true {
            return anthropicStream(answer, call: call, thinks: thinking != nil, id: id, model: model)
        }
        try await Task.sleep(for: .milliseconds(max(0, options.timeToFirstTokenMilliseconds)))
        var content: [[String: Any]] = thinking == nil ? [] : [Self.thinkingBlock]
        content.append(["type": "text", "text": answer.text])
        if let call { content.append(["type": "tool_use", "id": call.id, "name": call.name, "input": call.input]) }
        let stopReason = call != nil ? "tool_use" : answer.finishReason == "length" ? "max_tokens" : "end_turn"
        let message: [String: Any] = [
            "id": id, "type": "message", "role": "assistant", "model": model, "content": content,
            "stop_reason": stopReason, "stop_sequence": NSNull(),
            "usage": options.reportedUsageObject
                ?? Self.anthropicUsage(
                    input: answer.promptTokens, output: answer.completionTokens + (call == nil ? 0 : MockToolCall.outputTokens)),
        ]
        return Self.json(message)
    }

    /// What extended thinking says before the answer, and its signature.
    static let (thought, thoughtSignature) = ("Let me think.", "mock-signature")
    static var thinkingBlock: [String: Any] { ["type": "thinking", "thinking": thought, "signature": thoughtSignature] }

    /// Anthropic's refusals of a request with thinking enabled, in its words.
    static func thinkingRefusal(_ thinking: [String: Any], request: [String: Any], maxTokens: Int, messages: [[String: Any]])
        -> String?
    {
        let budget = thinking["budget_tokens"] as? Int ?? 0
        if budget < 1024 { return "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024" }
        if maxTokens <= budget { return "`max_tokens` must be greater than `thinking.budget_tokens`." }
        if let temperature = request["temperature"] as? Double, temperature != 1 {
            return "`temperature` may only be set to 1 when thinking is enabled."
        }
        if let top = request["top_p"] as? Double, top < 0.95 { return "`top_p` must be at least 0.95 when thinking is enabled." }
        if ["any", "tool"].contains((request["tool_choice"] as? [String: Any])?["type"] as? String) {
            return "Thinking may not be enabled when tool_choice forces tool use."
        }
        let lastAssistant = messages.last { $0["role"] as? String == "assistant" }.map { blocks($0["content"]) } ?? []
        if lastAssistant.contains(where: { $0["type"] as? String == "tool_use" }), lastAssistant.first?["type"] as? String != "thinking" {
            return
                "messages: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block."
        }
        return nil
    }

    private func anthropicStream(_ answer: MockAnswer, call: MockToolCall?, thinks: Bool, id: String, model: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        let options = self.options
        let body = ResponseBody { writer in
            @concurrent func send(_ type: String, _ payload: [String: Any]) async throws {
                var payload = payload
                payload["type"] = type
                let data = try JSONSerialization.data(withJSONObject: payload)
                try await writer.write(ServerSentEventEncoder.encode(data: Array(data), event: type))
            }
            // A reported usage is the whole answer's: message_start carries it with one output
            // token so far, message_delta all of it (Anthropic's counts there are cumulative).
            var start = options.reportedUsageObject ?? Self.anthropicUsage(input: answer.promptTokens, output: 1)
            start["output_tokens"] = 1
            try await send(
                "message_start",
                [
                    "message": [
                        "id": id, "type": "message", "role": "assistant", "model": model, "content": [], "stop_reason": NSNull(),
                        "stop_sequence": NSNull(), "usage": start,
                    ] as [String: Any]
                ])
            // Thinking, when enabled, is the first block; the text and the tool call follow it.
            let text = thinks ? 1 : 0
            if thinks {
                try await send("content_block_start", ["index": 0, "content_block": ["type": "thinking", "thinking": ""]])
                try await send("content_block_delta", ["index": 0, "delta": ["type": "thinking_delta", "thinking": Self.thought]])
                try await send(
                    "content_block_delta", ["index": 0, "delta": ["type": "signature_delta", "signature": Self.thoughtSignature]])
                try await send("content_block_stop", ["index": 0])
            }
            try await send("content_block_start", ["index": text, "content_block": ["type": "text", "text": ""]])
            try await send("ping", [:])
            for (index, word) in answer.words.enumerated() {
                if index == 0 {
                    if options.timeToFirstTokenMilliseconds > 0 {
                        try await Task.sleep(for: .milliseconds(options.timeToFirstTokenMilliseconds))
                    }
                } else if options.tokensPerSecond > 0 {
                    try await Task.sleep(for: .microseconds(1_000_000 / options.tokensPerSecond))
                }
                if let breakAfter = options.breakAfterTokens, index >= breakAfter { throw MockStreamBroken() }
                try await send("content_block_delta", ["index": text, "delta": ["type": "text_delta", "text": word]])
            }
            try await send("content_block_stop", ["index": text])
            if let call {
                try await send(
                    "content_block_start",
                    [
                        "index": text + 1,
                        "content_block": ["type": "tool_use", "id": call.id, "name": call.name, "input": [:] as [String: Any]],
                    ])
                let arguments = call.arguments
                let middle = arguments.index(arguments.startIndex, offsetBy: arguments.count / 2)
                for piece in [String(arguments[..<middle]), String(arguments[middle...])] {
                    try await send(
                        "content_block_delta", ["index": text + 1, "delta": ["type": "input_json_delta", "partial_json": piece]])
                }
                try await send("content_block_stop", ["index": text + 1])
            }
            let stopReason = call != nil ? "tool_use" : answer.finishReason == "length" ? "max_tokens" : "end_turn"
            try await send(
                "message_delta",
                [
                    "delta": ["stop_reason": stopReason, "stop_sequence": NSNull()] as [String: Any],
                    "usage": options.reportedUsageObject
                        ?? ["output_tokens": answer.completionTokens + (call == nil ? 0 : MockToolCall.outputTokens)],
                ])
            try await send("message_stop", [:])
            try await options.finishStream(&writer)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    static func blocks(_ content: Any?) -> [[String: Any]] {
        if let text = content as? String { return [["type": "text", "text": text]] }
        return content as? [[String: Any]] ?? []
    }

    static func anthropicUsage(input: Int, output: Int) -> [String: Any] {
        ["input_tokens": input, "output_tokens": output, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0]
    }

    static func mockCall(for tool: [String: Any]) -> MockToolCall {
        MockToolCall(tool: tool, schemaKey: "input_schema")
    }

    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func anthropicError(_ status: HTTPResponse.Status, type: String, message: String) -> Response {
        var response = json(["type": "error", "error": ["type": type, "message": message]])
        response.status = status
        return response
    }
}

/// The call a mock makes to a tool it was offered.
struct MockToolCall: @unchecked Sendable {
    // @unchecked: `input` holds JSONSerialization values (immutable once built).
    let id: String
    let name: String
    let input: [String: Any]

    init(tool: [String: Any], schemaKey: String) {
        self.name = tool["name"] as? String ?? "tool"
        self.id = schemaKey == "parameters" ? "call_mock_\(name)" : "toolu_mock_\(name)"
        let schema = tool[schemaKey] as? [String: Any] ?? [:]
        let properties = schema["properties"] as? [String: Any] ?? [:]
        let required = schema["required"] as? [String] ?? Array(properties.keys)
        var input: [String: Any] = [:]
        for key in required {
            switch (properties[key] as? [String: Any])?["type"] as? String {
            case "number", "integer": input[key] = 1
            case "boolean": input[key] = true
            default: input[key] = "mock"
            }
        }
        self.input = input
    }

    /// Tokens a mock tool call adds to the answer's output count.
    static let outputTokens = 8

    /// The arguments as JSON text, keys sorted.
    var arguments: String {
        (try? JSONSerialization.data(withJSONObject: input, options: .sortedKeys)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
