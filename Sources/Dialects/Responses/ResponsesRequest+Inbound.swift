import Foundation
public import GatewayModel
import JSONScanning
public import NIOCore
import ServerSentEvents

extension ResponsesRequest: OpenAIInbound, InboundChat {
    public static var dialectName: String { "openai-responses" }
    public static var operation: UpstreamOperation { .responses }

    public var routingFacts: RoutingFacts {
        var needs: Set<ModelCapability> = []
        if (index.arrayCount("tools") ?? 0) > 0 { needs.insert(.tools) }
        if RoutingFacts.contains(#""input_image""#, in: index.bytes) { needs.insert(.vision) }
        if let format = index.object("text")?.object("format")?.string("type"), format == "json_object" || format == "json_schema" {
            needs.insert(.json)
        }
        // Built-in tools (web_search…) run only on a provider's own Responses API.
        let builtInTools = (index.objects(inArray: "tools") ?? []).contains { $0.string("type") != "function" }
        // A stored conversation this request continues is part of its prompt.
        let bytes = index.bytes.count.saturatingAdding(conversation.history?.count ?? 0)
        return RoutingFacts(
            promptTokens: TokenUsage.estimatedTokens(bytes: bytes), maxOutputTokens: maxOutputTokens, needs: needs,
            requiredEndpoint: builtInTools ? .responses : nil)
    }

    /// To a provider's own Responses API: the request with its model, and `store: false` — the
    /// gateway, not the provider, keeps conversations: a stored conversation it continues is
    /// sent as items ahead of the input, in place of `previous_response_id`.
    public func passThroughBody(upstreamModel: String, requestStreamUsage: Bool) -> [UInt8] {
        var editor = JSONObjectEditor(index)
        if upstreamModel != model { editor.set("model", string: upstreamModel) }
        editor.set("store", json: Array("false".utf8))
        if conversation.history != nil {
            let input =
                index.string("input").map { [ArraySlice(Array(#"{"role":"user","content":\#(JSONEncoding.quoted($0))}"#.utf8))] }
                ?? index.rawElements(inArray: "input") ?? []
            editor.set("input", json: JSONArrayElements.array(nativeHistoryItems + input))
            editor.set("previous_response_id", json: Array("null".utf8))
        }
        return editor.bytes()
    }

    public func passThroughUsage(in answer: [UInt8]) throws(DialectDecodingError) -> TokenUsage? {
        guard let index = try? JSONObjectIndex(document: answer) else { throw DialectDecodingError("the answer is not JSON") }
        guard let usage = index.object("usage") else { return nil }
        let input = usage.object("input_tokens_details")
        return TokenUsage(
            input: usage.int("input_tokens") ?? 0, cachedInput: input?.int("cached_tokens") ?? 0,
            cacheWrite5m: input?.int("cache_write_tokens") ?? 0, output: usage.int("output_tokens") ?? 0,
            reasoning: usage.object("output_tokens_details")?.int("reasoning_tokens") ?? 0)
    }

    public func passThroughAnswer(_ answer: [UInt8]) -> [UInt8]? {
        guard restoresNativeAnswers, let response = try? JSONObjectIndex(document: answer) else { return nil }
        return restored(response)
    }

    public func passThroughStream() -> any StreamTransform {
        restoresNativeAnswers ? ResponsesNativeRelay(request: self) : DecodingRelay(decoder: ResponsesEventDecoder())
    }

    /// The Response object's shell for one answer (id, echoed parameters).
    private func envelope(model: String) -> ResponseEnvelope {
        var envelope = ResponseEnvelope(request: self)
        envelope.model = model
        return envelope
    }

    public func encodeAnswer(_ response: ChatResponse) -> [UInt8] {
        var output: [String] = []
        if !response.text.isEmpty || response.toolCalls.isEmpty {
            output.append(ResponseEnvelope.messageItem(id: ResponseEnvelope.newID("msg"), text: response.text, status: "completed"))
        }
        for call in response.toolCalls {
            output.append(ResponseEnvelope.functionCallItem(id: ResponseEnvelope.newID("fc"), call: call, status: "completed"))
        }
        let envelope = envelope(model: response.model)
        let json = envelope.object(output: output, finish: response.finishReason, usage: response.usage)
        record(id: envelope.id, response: json, output: output.map { ArraySlice($0.utf8) })
        return Array(json.utf8)
    }

    public func translatingStream(from decoder: any ChatStreamDecoding, model: String) -> any StreamTransform {
        let request = self
        return TranslatingStream(
            decoder: decoder,
            encoder: ResponsesStreamEncoder(envelope: envelope(model: model)) { id, response, output in
                request.record(id: id, response: response, output: output.map { ArraySlice($0.utf8) })
            })
    }

    /// An `error` event (the stream's numbering is the encoder's; an error ends the stream).
    public static func errorEvent(_ error: GatewayError) -> ByteBuffer {
        var json = #"{"type":"error","sequence_number":0,"code":"#
        json += error.code.map { JSONEncoding.quoted($0) } ?? (JSONEncoding.quoted(error.kind.rawValue))
        json += #","message":\#(JSONEncoding.quoted(error.message)),"param":"#
        json += error.parameter.map { JSONEncoding.quoted($0) } ?? "null"
        json += "}"
        return ServerSentEventEncoder.encode(data: Array(json.utf8), event: "error")
    }
}

extension ResponsesStreamEncoder: ChatStreamEncoding {}
