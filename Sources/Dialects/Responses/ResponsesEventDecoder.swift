public import GatewayModel
public import NIOCore

/// Reads a Responses API event stream into canonical events: text deltas, function calls (begun
/// by `response.output_item.added`, their arguments by `response.function_call_arguments.delta`),
/// and, from the final `response.completed` or `response.incomplete`, the finish reason and usage.
/// `response.failed` and `error` events end the stream as a decoding error carrying the
/// provider's error type.
///
/// Used to meter a Responses stream relayed as it is (the same-dialect path), and to read back
/// what ``ResponsesStreamEncoder`` writes.
public struct ResponsesEventDecoder: ChatStreamDecoding {
    private var events = JSONEventStream<Event>(payloadName: "a Responses stream event")
    /// Function call items by output index → the canonical call index.
    private var callIndexes: [Int: Int] = [:]
    public private(set) var isComplete = false

    public init() {}

    struct Event: Decodable {
        struct Item: Decodable {
            var type: String
            var call_id: String?
            var name: String?
        }
        struct Response: Decodable {
            struct Details: Decodable { var reason: String? }
            struct Usage: Decodable {
                struct InputDetails: Decodable {
                    var cached_tokens: Int?
                    var cache_write_tokens: Int?
                }
                struct OutputDetails: Decodable { var reasoning_tokens: Int? }
                var input_tokens: Int?
                var output_tokens: Int?
                var input_tokens_details: InputDetails?
                var output_tokens_details: OutputDetails?
            }
            struct ErrorBody: Decodable {
                var code: String?
                var message: String?
            }
            var id: String?
            var model: String?
            var status: String?
            var incomplete_details: Details?
            var usage: Usage?
            var error: ErrorBody?
        }
        var type: String
        var output_index: Int?
        var item: Item?
        var delta: String?
        var response: Response?
        var code: String?
        var message: String?
    }

    public mutating func decode(_ chunk: ByteBuffer) throws(DialectDecodingError) -> [ChatStreamEvent] {
        var decoded: [ChatStreamEvent] = []
        for case let event? in try events.payloads(in: chunk) {
            switch event.type {
            case "response.created":
                decoded.append(.start(id: event.response?.id ?? "", model: event.response?.model ?? ""))
            case "response.output_text.delta":
                if let delta = event.delta, !delta.isEmpty { decoded.append(.textDelta(delta)) }
            case "response.output_item.added":
                guard let item = event.item, item.type == "function_call", let outputIndex = event.output_index else { continue }
                let index = callIndexes.count
                callIndexes[outputIndex] = index
                decoded.append(.toolCallStart(index: index, id: item.call_id ?? "", name: item.name ?? ""))
            case "response.function_call_arguments.delta":
                guard let outputIndex = event.output_index, let index = callIndexes[outputIndex], let delta = event.delta else { continue }
                decoded.append(.toolCallArgumentsDelta(index: index, delta))
            case "response.completed", "response.incomplete":
                isComplete = true
                let response = event.response
                if let usage = response?.usage {
                    decoded.append(
                        .usage(
                            TokenUsage(
                                input: usage.input_tokens ?? 0, cachedInput: usage.input_tokens_details?.cached_tokens ?? 0,
                                cacheWrite5m: usage.input_tokens_details?.cache_write_tokens ?? 0, output: usage.output_tokens ?? 0,
                                reasoning: usage.output_tokens_details?.reasoning_tokens ?? 0)))
                }
                decoded.append(.finish(finishReason(response)))
            case "response.failed":
                throw DialectDecodingError(
                    "the provider reported: \(event.response?.error?.message ?? "response failed")",
                    upstreamErrorType: event.response?.error?.code ?? "response_failed")
            case "error":
                throw DialectDecodingError(
                    "the provider reported: \(event.message ?? "error")", upstreamErrorType: event.code ?? "error")
            default:
                continue
            }
        }
        return decoded
    }

    private func finishReason(_ response: Event.Response?) -> FinishReason {
        switch response?.incomplete_details?.reason {
        case "max_output_tokens": .length
        case "content_filter": .contentFilter
        default: callIndexes.isEmpty ? .stop : .toolCalls
        }
    }
}
