public import GatewayModel
import JSONScanning
public import NIOCore
import ServerSentEvents

/// Encodes canonical stream events as the Responses API's typed events for one answer, each
/// with its `sequence_number`: `response.created` and `response.in_progress` first; per output
/// item `response.output_item.added`, its deltas (`response.output_text.delta` inside a
/// `content_part`, or `response.function_call_arguments.delta`), their `.done` events and
/// `response.output_item.done`; then `response.completed` — or `response.incomplete` when the
/// answer was cut — carrying the whole response and its usage. Responses streams end there
/// (no `[DONE]`).
public struct ResponsesStreamEncoder: Sendable {
    private var envelope: ResponseEnvelope
    private var sequence = 0
    private var started = false
    /// Finished output items by output index.
    private var done: [Int: String] = [:]
    private var nextOutputIndex = 0
    private var message: (id: String, outputIndex: Int, text: String)?
    /// Open function calls by their canonical index, in the order they began.
    private var calls: [(index: Int, id: String, outputIndex: Int, call: ToolCall)] = []
    private var finishReason: FinishReason?
    public private(set) var usage: TokenUsage?
    /// Receives the finished response: its id, JSON and output items.
    private let onFinish: (@Sendable (_ id: String, _ response: String, _ output: [String]) -> Void)?

    public init(
        envelope: ResponseEnvelope, onFinish: (@Sendable (_ id: String, _ response: String, _ output: [String]) -> Void)? = nil
    ) {
        self.envelope = envelope
        self.onFinish = onFinish
    }

    public mutating func encode(_ events: [ChatStreamEvent]) -> ByteBuffer {
        var output = ByteBuffer()
        for event in events {
            startIfNeeded(&output)
            switch event {
            case .start: break
            case .textDelta(let text):
                if message == nil { openMessage(&output) }
                message!.text += text
                emit(
                    "response.output_text.delta",
                    #""item_id":"\#(message!.id)","output_index":\#(message!.outputIndex),"content_index":0,"delta":\#(JSONEncoding.quoted(text)),"logprobs":[]"#,
                    to: &output)
            case .toolCallStart(let index, let id, let name):
                closeMessage(&output)
                let call = (
                    index: index, id: ResponseEnvelope.newID("fc"), outputIndex: nextOutputIndex,
                    call: ToolCall(id: id, name: name, arguments: "")
                )
                nextOutputIndex += 1
                calls.append(call)
                emit(
                    "response.output_item.added",
                    #""output_index":\#(call.outputIndex),"item":\#(ResponseEnvelope.functionCallItem(id: call.id, call: call.call, status: "in_progress"))"#,
                    to: &output)
            case .toolCallArgumentsDelta(let index, let fragment):
                guard let position = calls.firstIndex(where: { $0.index == index }) else { continue }
                calls[position].call.arguments += fragment
                emit(
                    "response.function_call_arguments.delta",
                    #""item_id":"\#(calls[position].id)","output_index":\#(calls[position].outputIndex),"delta":\#(JSONEncoding.quoted(fragment))"#,
                    to: &output)
            case .finish(let reason):
                finishReason = reason
            case .usage(let usage):
                self.usage = usage
            }
        }
        return output
    }

    /// Closes what is open and sends the final event with the whole response.
    public mutating func finish() -> ByteBuffer {
        var output = ByteBuffer()
        startIfNeeded(&output)
        closeMessage(&output)
        for call in calls {
            emit(
                "response.function_call_arguments.done",
                #""item_id":"\#(call.id)","name":\#(JSONEncoding.quoted(call.call.name)),"output_index":\#(call.outputIndex),"arguments":\#(JSONEncoding.quoted(call.call.arguments))"#,
                to: &output)
            let item = ResponseEnvelope.functionCallItem(id: call.id, call: call.call, status: "completed")
            done[call.outputIndex] = item
            emit("response.output_item.done", #""output_index":\#(call.outputIndex),"item":\#(item)"#, to: &output)
        }
        calls = []
        let finish = finishReason ?? .stop
        let items = done.keys.sorted().compactMap { done[$0] }
        let response = envelope.object(output: items, finish: finish, usage: usage)
        let type = finish == .length || finish == .contentFilter ? "response.incomplete" : "response.completed"
        emit(type, #""response":\#(response)"#, to: &output)
        onFinish?(envelope.id, response, items)
        return output
    }

    private mutating func startIfNeeded(_ output: inout ByteBuffer) {
        guard !started else { return }
        started = true
        let response = envelope.object(output: [], finish: nil, usage: nil)
        emit("response.created", #""response":\#(response)"#, to: &output)
        emit("response.in_progress", #""response":\#(response)"#, to: &output)
    }

    private mutating func openMessage(_ output: inout ByteBuffer) {
        let opened = (id: ResponseEnvelope.newID("msg"), outputIndex: nextOutputIndex, text: "")
        nextOutputIndex += 1
        message = opened
        emit(
            "response.output_item.added",
            #""output_index":\#(opened.outputIndex),"item":\#(ResponseEnvelope.messageItem(id: opened.id, text: "", status: "in_progress"))"#,
            to: &output)
        emit(
            "response.content_part.added",
            #""item_id":"\#(opened.id)","output_index":\#(opened.outputIndex),"content_index":0,"part":\#(ResponseEnvelope.outputText(""))"#,
            to: &output)
    }

    private mutating func closeMessage(_ output: inout ByteBuffer) {
        guard let message else { return }
        self.message = nil
        let position = #""item_id":"\#(message.id)","output_index":\#(message.outputIndex),"content_index":0"#
        emit("response.output_text.done", position + #","text":\#(JSONEncoding.quoted(message.text)),"logprobs":[]"#, to: &output)
        emit("response.content_part.done", position + #","part":\#(ResponseEnvelope.outputText(message.text))"#, to: &output)
        let item = ResponseEnvelope.messageItem(id: message.id, text: message.text, status: "completed")
        done[message.outputIndex] = item
        emit("response.output_item.done", #""output_index":\#(message.outputIndex),"item":\#(item)"#, to: &output)
    }

    private mutating func emit(_ type: String, _ members: String, to output: inout ByteBuffer) {
        let json = #"{"type":"\#(type)","sequence_number":\#(sequence),\#(members)}"#
        sequence += 1
        ServerSentEventEncoder.encode(data: Array(json.utf8), event: type, into: &output)
    }

}
