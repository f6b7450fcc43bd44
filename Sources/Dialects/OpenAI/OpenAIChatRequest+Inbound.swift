public import GatewayModel
import JSONScanning
public import NIOCore
import ServerSentEvents

extension OpenAIChatRequest: OpenAIInbound, InboundChat {

    public var routingFacts: RoutingFacts {
        var needs: Set<ModelCapability> = []
        if (index.arrayCount("tools") ?? 0) > 0 { needs.insert(.tools) }
        if RoutingFacts.contains(#""image_url""#, in: index.bytes) { needs.insert(.vision) }
        if let format = index.object("response_format")?.string("type"), format == "json_object" || format == "json_schema" {
            needs.insert(.json)
        }
        return RoutingFacts(
            promptTokens: TokenUsage.estimatedTokens(bytes: index.bytes.count), maxOutputTokens: maxOutputTokens, needs: needs)
    }

    public func passThroughBody(upstreamModel: String, requestStreamUsage: Bool) -> [UInt8] {
        upstreamBody(model: upstreamModel, requestStreamUsage: requestStreamUsage)
    }

    public func passThroughUsage(in answer: [UInt8]) throws(DialectDecodingError) -> TokenUsage? {
        guard let index = try? JSONObjectIndex(document: answer) else { throw DialectDecodingError("the answer is not JSON") }
        return TokenUsage(openAIUsageIn: index)
    }

    public func passThroughStream() -> any StreamTransform {
        OpenAIStreamRelay(clientWantsUsage: clientWantsStreamUsage)
    }

    public func encodeAnswer(_ response: ChatResponse) -> [UInt8] {
        OpenAIResponseEncoding.completion(response, model: response.model)
    }

    public func translatingStream(from decoder: any ChatStreamDecoding, model: String) -> any StreamTransform {
        TranslatingStream(decoder: decoder, encoder: OpenAIStreamEncoder(model: model, includeUsage: clientWantsStreamUsage))
    }

}

extension OpenAIStreamRelay: StreamTransform {
    public mutating func transform(_ chunk: ByteBuffer) throws(DialectDecodingError) -> ByteBuffer {
        do {
            return try relay(chunk)
        } catch {
            throw DialectDecodingError("the stream is not valid server-sent events")
        }
    }

    public var isComplete: Bool { sawDone }
}

extension OpenAIStreamEncoder: ChatStreamEncoding {}
