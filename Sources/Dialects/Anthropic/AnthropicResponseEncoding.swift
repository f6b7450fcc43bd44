import Foundation
public import GatewayModel
import JSONScanning
public import NIOCore
import ServerSentEvents

/// Writes canonical answers as Anthropic `message` JSON and Messages-API SSE events.
public enum AnthropicResponseEncoding {

    static func stopReason(_ reason: FinishReason) -> String {
        switch reason {
        case .stop: "end_turn"
        case .length: "max_tokens"
        case .toolCalls: "tool_use"
        case .contentFilter: "refusal"
        }
    }

    /// Anthropic's `input_tokens` leaves out cache reads and writes, which go in their own counts.
    static func usage(_ usage: TokenUsage) -> String {
        let prompt = usage.promptParts
        let written = prompt.cacheWrite5m + prompt.cacheWrite1h
        return
            #"{"input_tokens":\#(prompt.plain),"cache_creation_input_tokens":\#(written),"cache_read_input_tokens":\#(prompt.cacheRead),"cache_creation":{"ephemeral_5m_input_tokens":\#(prompt.cacheWrite5m),"ephemeral_1h_input_tokens":\#(prompt.cacheWrite1h)},"output_tokens":\#(usage.output)}"#
    }

    /// Tool-call arguments as a JSON object (`{}` when the model produced none or broken JSON).
    static func input(_ arguments: String) -> String {
        let trimmed = arguments.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let index = try? JSONObjectIndex(document: Array(trimmed.utf8)) else { return "{}" }
        return String(decoding: index.bytes, as: UTF8.self)
    }

    public static func message(_ response: ChatResponse, model: String) -> [UInt8] {
        var blocks: [String] = []
        if !response.text.isEmpty || response.toolCalls.isEmpty {
            blocks.append(#"{"type":"text","text":\#(JSONEncoding.quoted(response.text))}"#)
        }
        for call in response.toolCalls {
            blocks.append(
                #"{"type":"tool_use","id":\#(JSONEncoding.quoted(call.id)),"name":\#(JSONEncoding.quoted(call.name)),"input":\#(input(call.arguments))}"#
            )
        }
        let json =
            #"{"id":\#(JSONEncoding.quoted(response.id)),"type":"message","role":"assistant","model":\#(JSONEncoding.quoted(model)),"content":[\#(blocks.joined(separator: ","))],"stop_reason":"\#(stopReason(response.finishReason))","stop_sequence":null,"usage":\#(usage(response.usage))}"#
        return Array(json.utf8)
    }

    static func event(_ type: String, _ json: String) -> ByteBuffer {
        ServerSentEventEncoder.encode(data: Array(json.utf8), event: type)
    }
}

/// Encodes canonical stream events as Anthropic's event sequence: `message_start`, a
/// `content_block_start` / `_delta` / `_stop` run per text or tool-use block, then
/// `message_delta` (stop reason and usage) and `message_stop`.
///
/// OpenAI-style providers report usage only at the end, so `message_start` carries zero
/// tokens and the final `message_delta` carries the whole count (input included), which the
/// Anthropic SDKs fold into the message's usage.
public struct AnthropicStreamEncoder: Sendable {
    private let model: String
    private var started = false
    private var openBlock: Int?
    private var nextBlock = 0
    /// Tool-call index (OpenAI's) → content block index.
    private var toolBlocks: [Int: Int] = [:]
    private var finishReason: FinishReason = .stop
    public private(set) var usage: TokenUsage?

    public init(model: String) {
        self.model = model
    }

    public mutating func encode(_ events: [ChatStreamEvent]) -> ByteBuffer {
        var output = ByteBuffer()
        for event in events {
            switch event {
            case .start(let id, _):
                start(id: id, into: &output)
            case .textDelta(let text):
                start(id: nil, into: &output)
                if openBlock == nil || toolBlocks.values.contains(openBlock!) {
                    open(#"{"type":"text","text":""}"#, into: &output)
                }
                output.writeImmutableBuffer(
                    AnthropicResponseEncoding.event(
                        "content_block_delta",
                        #"{"type":"content_block_delta","index":\#(openBlock!),"delta":{"type":"text_delta","text":\#(JSONEncoding.quoted(text))}}"#
                    ))
            case .toolCallStart(let index, let id, let name):
                start(id: nil, into: &output)
                toolBlocks[index] = nextBlock
                open(
                    #"{"type":"tool_use","id":\#(JSONEncoding.quoted(id)),"name":\#(JSONEncoding.quoted(name)),"input":{}}"#,
                    into: &output)
            case .toolCallArgumentsDelta(let index, let fragment):
                guard let block = toolBlocks[index] else { continue }
                output.writeImmutableBuffer(
                    AnthropicResponseEncoding.event(
                        "content_block_delta",
                        #"{"type":"content_block_delta","index":\#(block),"delta":{"type":"input_json_delta","partial_json":\#(JSONEncoding.quoted(fragment))}}"#
                    ))
            case .finish(let reason):
                finishReason = reason
            case .usage(let usage):
                self.usage = usage
            }
        }
        return output
    }

    /// Closes the open block and ends the message.
    public mutating func finish() -> ByteBuffer {
        var output = ByteBuffer()
        start(id: nil, into: &output)
        close(into: &output)
        output.writeImmutableBuffer(
            AnthropicResponseEncoding.event(
                "message_delta",
                #"{"type":"message_delta","delta":{"stop_reason":"\#(AnthropicResponseEncoding.stopReason(finishReason))","stop_sequence":null},"usage":\#(AnthropicResponseEncoding.usage(usage ?? TokenUsage()))}"#
            ))
        output.writeImmutableBuffer(AnthropicResponseEncoding.event("message_stop", #"{"type":"message_stop"}"#))
        return output
    }

    private mutating func start(id: String?, into output: inout ByteBuffer) {
        guard !started else { return }
        started = true
        let messageID = id ?? "msg_switchyard"
        output.writeImmutableBuffer(
            AnthropicResponseEncoding.event(
                "message_start",
                #"{"type":"message_start","message":{"id":\#(JSONEncoding.quoted(messageID)),"type":"message","role":"assistant","model":\#(JSONEncoding.quoted(model)),"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}"#
            ))
    }

    private mutating func open(_ block: String, into output: inout ByteBuffer) {
        close(into: &output)
        openBlock = nextBlock
        nextBlock += 1
        output.writeImmutableBuffer(
            AnthropicResponseEncoding.event(
                "content_block_start", #"{"type":"content_block_start","index":\#(openBlock!),"content_block":\#(block)}"#))
    }

    private mutating func close(into output: inout ByteBuffer) {
        guard let block = openBlock else { return }
        openBlock = nil
        output.writeImmutableBuffer(
            AnthropicResponseEncoding.event("content_block_stop", #"{"type":"content_block_stop","index":\#(block)}"#))
    }
}

/// Anthropic's error envelope: `{"type":"error","error":{"type","message"}}`, its `type`
/// chosen by status as Anthropic's API does.
public enum AnthropicErrorFormat {
    public static func type(for status: Int) -> String {
        switch status {
        case 400, 415, 422: "invalid_request_error"
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 529: "overloaded_error"
        default: "api_error"
        }
    }

    public static func body(for error: GatewayError) -> [UInt8] {
        let json =
            #"{"type":"error","error":{"type":"\#(type(for: error.status))","message":\#(JSONEncoding.quoted(error.message))}}"#
        return Array(json.utf8)
    }

    /// The same error as a stream event, for failures after the answer began.
    public static func event(for error: GatewayError) -> ByteBuffer {
        ServerSentEventEncoder.encode(data: body(for: error), event: "error")
    }
}
