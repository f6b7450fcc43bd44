import Foundation
import GatewayModel
import JSONScanning

/// One Response object being written: its id, its model, and the request parameters every
/// Response echoes (`instructions`, `tools`, `tool_choice`, `text`…), read from the request
/// once and shared by the JSON answer and each stream event that carries the whole response.
public struct ResponseEnvelope: Sendable {
    public let id: String
    let createdAt: Int
    var model: String
    private let echoed: String

    init(request: ResponsesRequest, createdAt: Int = Int(Date().timeIntervalSince1970)) {
        self.id = Self.newID("resp")
        self.createdAt = createdAt
        self.model = request.model
        let index = request.index
        func raw(_ key: String, or fallback: String) -> String {
            guard let member = index[key], member.kind != .null else { return fallback }
            return String(decoding: index.bytes[member.valueRange], as: UTF8.self)
        }
        let toolsJSON = (index.objects(inArray: "tools") ?? []).compactMap(Self.functionTool)
        var echoed = #""instructions":\#(raw("instructions", or: "null")),"max_output_tokens":\#(raw("max_output_tokens", or: "null"))"#
        echoed += #","metadata":\#(raw("metadata", or: "{}")),"parallel_tool_calls":\#(raw("parallel_tool_calls", or: "true"))"#
        let previous = request.conversation.previousResponseID.map { JSONEncoding.quoted($0) } ?? "null"
        let stored = request.conversation.recorder != nil
        echoed +=
            #","previous_response_id":\#(previous),"reasoning":\#(raw("reasoning", or: #"{"effort":null,"summary":null}"#)),"store":\#(stored)"#
        echoed += #","temperature":\#(raw("temperature", or: "1")),"text":\#(raw("text", or: #"{"format":{"type":"text"}}"#))"#
        echoed += #","tool_choice":\#(raw("tool_choice", or: #""auto""#)),"tools":[\#(toolsJSON.joined(separator: ","))]"#
        echoed += #","top_p":\#(raw("top_p", or: "1")),"truncation":"disabled""#
        self.echoed = echoed
    }

    /// A function tool as a Response echoes it, the way OpenAI normalises it: `description`,
    /// `parameters` and `strict` always there (null where the request left them out).
    private static func functionTool(_ tool: JSONObjectIndex) -> String? {
        guard tool.string("type") == "function", let name = tool.string("name") else { return nil }
        let parameters = tool.rawValue("parameters").map { String(decoding: $0, as: UTF8.self) } ?? "null"
        var json = #"{"type":"function","name":\#(JSONEncoding.quoted(name))"#
        json += #","description":\#(tool.string("description").map(JSONEncoding.quoted) ?? "null")"#
        json += #","parameters":\#(parameters),"strict":\#(tool.bool("strict").map { $0 ? "true" : "false" } ?? "null")}"#
        return json
    }

    /// The Response object: `status` `in_progress` while streaming; `completed`, or `incomplete`
    /// when the answer was cut (`max_output_tokens`, `content_filter`), once done.
    func object(output: [String], finish: FinishReason?, usage: TokenUsage?, completedAt: Int? = nil) -> String {
        let status: String
        var incomplete = "null"
        switch finish {
        case nil: status = "in_progress"
        case .length?:
            status = "incomplete"
            incomplete = #"{"reason":"max_output_tokens"}"#
        case .contentFilter?:
            status = "incomplete"
            incomplete = #"{"reason":"content_filter"}"#
        case .stop?, .toolCalls?: status = "completed"
        }
        var json = #"{"id":"\#(id)","object":"response","created_at":\#(createdAt),"status":"\#(status)""#
        json += #","completed_at":\#(status == "completed" ? String(completedAt ?? createdAt) : "null")"#
        json += #","error":null,"incomplete_details":\#(incomplete),"model":\#(JSONEncoding.quoted(model))"#
        json += #","output":[\#(output.joined(separator: ","))],\#(echoed)"#
        // Usage is left out until known (OpenAI's schema has no null for it).
        if let usage { json += #","usage":\#(Self.usage(usage))"# }
        return json + "}"
    }

    static func usage(_ usage: TokenUsage) -> String {
        #"{"input_tokens":\#(usage.input),"input_tokens_details":{"cached_tokens":\#(usage.cachedInput),"cache_write_tokens":\#(usage.cacheWrite5m.saturatingAdding(usage.cacheWrite1h))},"output_tokens":\#(usage.output),"output_tokens_details":{"reasoning_tokens":\#(usage.reasoning)},"total_tokens":\#(usage.total)}"#
    }

    /// An assistant message output item holding `text`.
    static func messageItem(id: String, text: String, status: String) -> String {
        let content = status == "in_progress" ? "" : outputText(text)
        return #"{"id":"\#(id)","type":"message","status":"\#(status)","role":"assistant","content":[\#(content)]}"#
    }

    static func outputText(_ text: String) -> String {
        #"{"type":"output_text","text":\#(JSONEncoding.quoted(text)),"annotations":[],"logprobs":[]}"#
    }

    /// A function call output item.
    static func functionCallItem(id: String, call: ToolCall, status: String) -> String {
        #"{"id":"\#(id)","type":"function_call","status":"\#(status)","call_id":\#(JSONEncoding.quoted(call.id)),"name":\#(JSONEncoding.quoted(call.name)),"arguments":\#(JSONEncoding.quoted(call.arguments))}"#
    }

    /// `resp_…`, `msg_…`, `fc_…`: OpenAI's prefixes and 48 random hex digits.
    static func newID(_ prefix: String) -> String {
        prefix + "_" + (0..<3).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16).leftPadded(to: 16) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
