import Foundation
import Hummingbird
import JSONScanning
import NIOCore

/// OpenAI's Responses API (`POST /v1/responses`) as the mock speaks it: `input` as a string or
/// items, function tools (the first one is called unless the last item is a function's output,
/// which the answer then quotes), `text.format` JSON schemas, built-in tools (named in the
/// answer: `[web_search]`), the Response object with usage, or the typed event stream with
/// sequence numbers ending in `response.completed`.
extension MockProvider {
    func responses(_ request: Request) async throws -> Response {
        let (body, refusal) = try await openAIRequest(request)
        if let refusal { return refusal }
        guard let json = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let model = json["model"] as? String, json["input"] != nil
        else {
            return Self.error(.badRequest, type: "invalid_request_error", code: nil, message: "Expected a Responses request.")
        }
        let items: [[String: Any]] =
            (json["input"] as? String).map { [["role": "user", "content": $0]] } ?? (json["input"] as? [[String: Any]] ?? [])
        let stores = json["store"] as? Bool ?? true
        // As OpenAI: with store false nothing is kept, so a reasoning item can't be looked up by id.
        if !stores, let reasoning = items.first(where: { $0["type"] as? String == "reasoning" && $0["encrypted_content"] == nil }) {
            return Self.error(
                .notFound, type: "invalid_request_error", code: nil,
                message:
                    "Item with id '\(reasoning["id"] as? String ?? "")' not found. Items are not persisted when `store` is set to false.")
        }
        let requestText = items.map { Self.text(of: $0["content"] ?? $0["output"]) }.joined(separator: "\n")
        var answer = MockAnswer(
            requestText: requestText, messageCount: items.count, options: options, maxTokens: json["max_output_tokens"] as? Int)
        let last = items.last
        let toolOutput = last?["type"] as? String == "function_call_output" ? Self.text(of: last?["output"]) : nil
        if let toolOutput { answer = answer.prefixed(with: " tool said: \(toolOutput)") }
        let tools = json["tools"] as? [[String: Any]] ?? []
        for tool in tools where tool["type"] as? String != "function" {
            answer = answer.prefixed(with: " [\(tool["type"] as? String ?? "tool")]")
        }
        let format = (json["text"] as? [String: Any])?["format"] as? [String: Any]
        if format?["type"] as? String == "json_schema" {
            answer = answer.structured(MockStructuredOutput.document(for: format?["schema"] as? [String: Any]))
        }
        let call =
            toolOutput == nil && format == nil
            ? tools.first { $0["type"] as? String == "function" }.map { MockToolCall(tool: $0, schemaKey: "parameters") } : nil
        let frame = ResponseFrame(
            id: "resp_mock_\(UInt32.random(in: 0...UInt32.max))", created: Int(Date().timeIntervalSince1970), model: model,
            answer: answer, call: call, reasons: json["reasoning"] != nil, withUsage: !options.omitUsage,
            reportedUsage: options.reportedUsage, echoed: Self.echoed(json))
        if json["stream"] as? Bool == true {
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            let stream = ResponseBody { writer in
                for (position, event) in frame.events().enumerated() {
                    if position == 3 { try await pause(forTokens: 1, includingFirst: true) }
                    try await writer.write(Self.event(event.data, type: event.type))
                }
                try await options.finishStream(&writer)
            }
            return Response(status: .ok, headers: headers, body: stream)
        }
        try await pause(forTokens: answer.completionTokens, includingFirst: true)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: frame.response(status: "completed"))))
    }

    /// The request parameters a Response object echoes, as OpenAI writes them (function tools
    /// with `strict` and `parameters` filled in).
    static func echoed(_ json: [String: Any]) -> String {
        let tools = (json["tools"] as? [[String: Any]] ?? []).map { tool -> [String: Any] in
            guard tool["type"] as? String == "function" else { return tool }
            var normalised = tool
            normalised["strict"] = tool["strict"] ?? NSNull()
            normalised["parameters"] = tool["parameters"] ?? NSNull()
            return normalised
        }
        let members: [String: Any] = [
            "instructions": json["instructions"] ?? NSNull(), "metadata": json["metadata"] ?? [String: Any](),
            "parallel_tool_calls": json["parallel_tool_calls"] ?? true, "temperature": json["temperature"] ?? 1,
            "top_p": json["top_p"] ?? 1, "tool_choice": json["tool_choice"] ?? "auto", "tools": tools,
            "error": NSNull(), "incomplete_details": NSNull(), "store": json["store"] ?? true,
            "previous_response_id": json["previous_response_id"] ?? NSNull(),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: members, options: .sortedKeys)) ?? Data("{}".utf8)
        // The members without their braces, to sit among the frame's own.
        return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
    }

    static func event(_ data: String, type: String) -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: \(type)\n")
        buffer.writeImmutableBuffer(event(data))
        return buffer
    }

    /// One answer in the Responses API's shapes.
    struct ResponseFrame {
        let id: String
        let created: Int
        let model: String
        let answer: MockAnswer
        let call: MockToolCall?
        /// A reasoning model was asked (`reasoning` set): a reasoning item comes first.
        let reasons: Bool
        let withUsage: Bool
        let reportedUsage: String?
        /// Echoed request parameters, JSON members without braces.
        let echoed: String

        var messageItemID: String { "msg_\(id.dropFirst(5))" }
        var callItemID: String { "fc_\(id.dropFirst(5))" }
        var reasoningItem: String { #"{"id":"rs_\#(id.dropFirst(5))","type":"reasoning","summary":[]}"# }
        /// Output indexes start after the reasoning item.
        var first: Int { reasons ? 1 : 0 }

        func messageItem(text: String?, status: String) -> String {
            let content = text.map {
                #"{"type":"output_text","text":\#(JSONEncoding.quoted($0)),"annotations":[],"logprobs":[]}"#
            }
            return #"{"id":"\#(messageItemID)","type":"message","status":"\#(status)","role":"assistant","content":[\#(content ?? "")]}"#
        }

        func callItem(_ call: MockToolCall, arguments: String, status: String) -> String {
            #"{"id":"\#(callItemID)","type":"function_call","status":"\#(status)","call_id":"\#(call.id)","name":\#(JSONEncoding.quoted(call.name)),"arguments":\#(JSONEncoding.quoted(arguments))}"#
        }

        func response(status: String) -> String {
            var output: [String] = []
            if status != "in_progress" {
                if reasons { output.append(reasoningItem) }
                output.append(messageItem(text: answer.text, status: "completed"))
                if let call { output.append(callItem(call, arguments: call.arguments, status: "completed")) }
            }
            let usage =
                withUsage && status != "in_progress"
                ? #","usage":"#
                    + (reportedUsage
                        ?? #"{"input_tokens":\#(answer.promptTokens),"input_tokens_details":{"cached_tokens":0,"cache_write_tokens":0},"output_tokens":\#(outputTokens),"output_tokens_details":{"reasoning_tokens":0},"total_tokens":\#(answer.promptTokens + outputTokens)}"#)
                : ""
            return
                #"{"id":"\#(id)","object":"response","created_at":\#(created),"status":"\#(status)","model":\#(JSONEncoding.quoted(model)),"output":[\#(output.joined(separator: ","))],\#(echoed)\#(usage)}"#
        }

        var outputTokens: Int { answer.completionTokens + (call == nil ? 0 : MockToolCall.outputTokens) }

        /// The stream's events in order, numbered.
        func events() -> [(type: String, data: String)] {
            var events: [(type: String, members: String)] = [
                ("response.created", #""response":\#(response(status: "in_progress"))"#),
                ("response.in_progress", #""response":\#(response(status: "in_progress"))"#),
            ]
            if reasons {
                events.append(("response.output_item.added", #""output_index":0,"item":\#(reasoningItem)"#))
                events.append(("response.output_item.done", #""output_index":0,"item":\#(reasoningItem)"#))
            }
            events.append(
                ("response.output_item.added", #""output_index":\#(first),"item":\#(messageItem(text: nil, status: "in_progress"))"#))
            let position = #""item_id":"\#(messageItemID)","output_index":\#(first),"content_index":0"#
            events.append(
                ("response.content_part.added", position + #","part":{"type":"output_text","text":"","annotations":[],"logprobs":[]}"#))
            for word in answer.words {
                events.append(("response.output_text.delta", position + #","delta":\#(JSONEncoding.quoted(word)),"logprobs":[]"#))
            }
            events.append(
                ("response.output_text.done", position + #","text":\#(JSONEncoding.quoted(answer.text)),"logprobs":[]"#))
            events.append(
                ("response.output_item.done", #""output_index":\#(first),"item":\#(messageItem(text: answer.text, status: "completed"))"#))
            if let call {
                let arguments = call.arguments
                let middle = arguments.index(arguments.startIndex, offsetBy: arguments.count / 2)
                events.append(
                    (
                        "response.output_item.added",
                        #""output_index":\#(first + 1),"item":\#(callItem(call, arguments: "", status: "in_progress"))"#
                    ))
                for piece in [String(arguments[..<middle]), String(arguments[middle...])] {
                    events.append(
                        (
                            "response.function_call_arguments.delta",
                            #""item_id":"\#(callItemID)","output_index":\#(first + 1),"delta":\#(JSONEncoding.quoted(piece))"#
                        ))
                }
                events.append(
                    (
                        "response.output_item.done",
                        #""output_index":\#(first + 1),"item":\#(callItem(call, arguments: arguments, status: "completed"))"#
                    )
                )
            }
            events.append(("response.completed", #""response":\#(response(status: "completed"))"#))
            return events.enumerated().map { number, event in
                (event.type, #"{"type":"\#(event.type)","sequence_number":\#(number),\#(event.members)}"#)
            }
        }
    }
}
