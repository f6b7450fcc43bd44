import GatewayModel
import JSONScanning
import NIOCore
import ServerSentEvents

/// Answers for Gemini callers, from any provider: a `GenerateContentResponse`, whole or as the
/// `streamGenerateContent?alt=sse` events google-genai reads.
enum GeminiResponseEncoding {
    static func response(_ answer: ChatResponse, model: String) -> [UInt8] {
        var parts: [String] = []
        if !answer.text.isEmpty { parts.append(textPart(answer.text)) }
        parts += answer.toolCalls.map(callPart)
        let body = chunk(
            parts: parts, finishReason: answer.finishReason, usage: answer.usage, model: model, responseID: answer.id)
        return Array(body.utf8)
    }

    static func textPart(_ text: String) -> String {
        #"{"text":\#(JSONEncoding.quoted(text))}"#
    }

    /// A call whole, with its id (google-genai keeps it and sends it back on the function response).
    static func callPart(_ call: ToolCall) -> String {
        let arguments = call.arguments.isEmpty ? "{}" : call.arguments
        let args = (try? JSONObjectIndex(document: Array(arguments.utf8))) != nil ? arguments : "{}"
        return
            #"{"functionCall":{"id":\#(JSONEncoding.quoted(call.id)),"name":\#(JSONEncoding.quoted(call.name)),"args":\#(args)}}"#
    }

    /// One `GenerateContentResponse`: a candidate with these parts, and on the last one the
    /// finish reason and usage.
    static func chunk(parts: [String], finishReason: FinishReason?, usage: TokenUsage?, model: String, responseID: String) -> String {
        var candidate = #"{"content":{"role":"model","parts":[\#(parts.joined(separator: ","))]},"index":0"#
        if let finishReason { candidate += #","finishReason":"\#(name(of: finishReason))""# }
        candidate += "}"
        var json = #"{"candidates":[\#(candidate)]"#
        if let usage {
            // Gemini counts thoughts apart from the candidates: `output` holds both.
            let thoughts = min(usage.reasoning, usage.output)
            json +=
                #","usageMetadata":{"promptTokenCount":\#(usage.input),"candidatesTokenCount":\#(usage.output - thoughts),"totalTokenCount":\#(usage.total)"#
            if usage.cachedInput > 0 { json += #","cachedContentTokenCount":\#(usage.cachedInput)"# }
            if thoughts > 0 { json += #","thoughtsTokenCount":\#(thoughts)"# }
            json += "}"
        }
        json += #","modelVersion":\#(JSONEncoding.quoted(model)),"responseId":\#(JSONEncoding.quoted(responseID))}"#
        return json
    }

    /// Gemini has no finish reason for tool calls: a turn that called functions ends with STOP.
    static func name(of reason: FinishReason) -> String {
        switch reason {
        case .stop, .toolCalls: "STOP"
        case .length: "MAX_TOKENS"
        case .contentFilter: "SAFETY"
        }
    }
}

/// Canonical events to `streamGenerateContent?alt=sse` events: text as it comes; function calls
/// whole (Gemini never streams arguments), each sent once its arguments are complete; the finish
/// reason and usage on the last event.
struct GeminiStreamEncoder: ChatStreamEncoding {
    private let model: String
    private var responseID = "gemini"
    /// Calls whose arguments are still arriving, by index.
    private var pendingCalls: [Int: ToolCall] = [:]
    private var finishReason: FinishReason?
    private(set) var usage: TokenUsage?

    init(model: String) {
        self.model = model
    }

    mutating func encode(_ events: [ChatStreamEvent]) -> ByteBuffer {
        var output = ByteBuffer()
        for event in events {
            switch event {
            case .start(let id, _): responseID = id
            case .textDelta(let text): write([GeminiResponseEncoding.textPart(text)], to: &output)
            case .toolCallStart(let index, let id, let name): pendingCalls[index] = ToolCall(id: id, name: name, arguments: "")
            case .toolCallArgumentsDelta(let index, let piece): pendingCalls[index]?.arguments += piece
            case .finish(let reason): finishReason = reason
            case .usage(let seen): usage = seen
            }
        }
        return output
    }

    /// The calls, then the closing event (only when the provider finished: an interrupted
    /// stream doesn't claim a finish reason).
    mutating func finish() -> ByteBuffer {
        var output = ByteBuffer()
        let calls = pendingCalls.sorted { $0.key < $1.key }.map { GeminiResponseEncoding.callPart($0.value) }
        pendingCalls = [:]
        if let finishReason {
            let last = GeminiResponseEncoding.chunk(
                parts: calls, finishReason: finishReason, usage: usage, model: model, responseID: responseID)
            var event = Self.event(last)
            output.writeBuffer(&event)
        } else if !calls.isEmpty {
            write(calls, to: &output)
        }
        return output
    }

    private func write(_ parts: [String], to output: inout ByteBuffer) {
        var event = Self.event(
            GeminiResponseEncoding.chunk(parts: parts, finishReason: nil, usage: nil, model: model, responseID: responseID))
        output.writeBuffer(&event)
    }

    private static func event(_ json: String) -> ByteBuffer {
        ServerSentEventEncoder.encode(data: Array(json.utf8))
    }
}
