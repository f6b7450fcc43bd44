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
        if index.object("output_config")?.object("format") != nil { needs.insert(.json) }
        return RoutingFacts(
            promptTokens: RoutingFacts.estimatedTokens(bytes: index.bytes.count), maxOutputTokens: maxOutputTokens, needs: needs)
    }

    public func passThroughBody(upstreamModel: String, requestStreamUsage: Bool) -> [UInt8] {
        upstreamBody(model: upstreamModel)
    }

    public func passThroughUsage(in answer: [UInt8]) throws(DialectDecodingError) -> TokenUsage? {
        try AnthropicDialect().decodeResponse(answer).usage
    }

    public func passThroughStream() -> any StreamTransform {
        AnthropicStreamRelay()
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

/// Anthropic to Anthropic: the provider's events go to the caller as they arrived (its own
/// `error` events included); a decoder alongside notes usage and the clean end.
///
/// After a decoder error the rest of the stream is still relayed; usage may then be missing.
struct AnthropicStreamRelay: StreamTransform {
    private var decoder = AnthropicStreamDecoder()
    private(set) var usage: TokenUsage?
    private(set) var contentPieces = 0

    mutating func transform(_ chunk: ByteBuffer) throws(DialectDecodingError) -> ByteBuffer {
        // The relay never fails on what it only reads: the provider's own `error` events go
        // to the caller unchanged (they are in its dialect), and an event this decoder can't
        // read costs only the usage note.
        if let events = try? decoder.decode(chunk) {
            for event in events {
                switch event {
                case .usage(let seen): usage = seen
                case .textDelta, .toolCallArgumentsDelta: contentPieces += 1
                default: break
                }
            }
        }
        return chunk
    }

    mutating func finish() -> ByteBuffer { ByteBuffer() }
    var isComplete: Bool { decoder.isComplete }
}

extension AnthropicStreamEncoder: ChatStreamEncoding {}
