import Foundation
public import GatewayModel
import JSONScanning
public import NIOCore

extension AnthropicMessagesRequest: InboundChat {
    public static var format: WireFormat { .anthropic }

    public var routingFacts: RoutingFacts {
        var needs: Set<ModelCapability> = []
        if (index.arrayCount("tools") ?? 0) > 0 { needs.insert(.tools) }
        if RoutingFacts.contains(#""type":"image""#, in: index.bytes) || RoutingFacts.contains(#""type": "image""#, in: index.bytes) {
            needs.insert(.vision)
        }
        if index.object("output_config")?.object("format") != nil { needs.insert(.json) }
        return RoutingFacts(
            promptTokens: TokenUsage.estimatedTokens(bytes: index.bytes.count), maxOutputTokens: maxOutputTokens, needs: needs)
    }

    public func passThroughBody(upstreamModel: String, requestStreamUsage: Bool) -> [UInt8] {
        upstreamBody(model: upstreamModel)
    }

    public func passThroughUsage(in answer: [UInt8]) throws(DialectDecodingError) -> TokenUsage? {
        try AnthropicDialect().decodeResponse(answer).usage
    }

    public func passThroughStream() -> any StreamTransform {
        DecodingRelay(decoder: AnthropicStreamDecoder())
    }

    public func encodeAnswer(_ response: ChatResponse) -> [UInt8] {
        AnthropicResponseEncoding.message(response, model: response.model)
    }

    public func translatingStream(from decoder: any ChatStreamDecoding, model: String) -> any StreamTransform {
        TranslatingStream(decoder: decoder, encoder: AnthropicStreamEncoder(model: model))
    }

    public static func errorBody(_ error: GatewayError) -> [UInt8] { AnthropicErrorFormat.body(for: error) }
    public static func errorEvent(_ error: GatewayError) -> ByteBuffer { AnthropicErrorFormat.event(for: error) }
}

extension AnthropicStreamEncoder: ChatStreamEncoding {}
