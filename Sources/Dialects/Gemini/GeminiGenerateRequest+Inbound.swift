public import GatewayModel
import JSONScanning
public import NIOCore

extension GeminiGenerateRequest: InboundChat {
    public static var format: WireFormat { .gemini }

    public var routingFacts: RoutingFacts {
        var needs: Set<ModelCapability> = []
        let bytes = index.bytes
        if ["functionDeclarations", "function_declarations"].contains(where: { RoutingFacts.contains("\"\($0)\"", in: bytes) }) {
            needs.insert(.tools)
        }
        if ["inlineData", "inline_data", "fileData", "file_data"].contains(where: { RoutingFacts.contains("\"\($0)\"", in: bytes) }) {
            needs.insert(.vision)
        }
        if let config = index.object(index.protoJSONName("generationConfig")),
            config.string(config.protoJSONName("responseMimeType")) == "application/json"
        {
            needs.insert(.json)
        }
        return RoutingFacts(
            promptTokens: TokenUsage.estimatedTokens(bytes: index.bytes.count), maxOutputTokens: maxOutputTokens, needs: needs)
    }

    /// The model travels in the path, so the bytes go as they came.
    public func passThroughBody(upstreamModel: String, requestStreamUsage: Bool) -> [UInt8] {
        index.bytes
    }

    public func passThroughUsage(in answer: [UInt8]) throws(DialectDecodingError) -> TokenUsage? {
        try GeminiDialect().decodeResponse(answer).usage
    }

    public func passThroughStream() -> any StreamTransform {
        DecodingRelay(decoder: GeminiStreamDecoder())
    }

    public func encodeAnswer(_ response: ChatResponse) -> [UInt8] {
        GeminiResponseEncoding.response(response, model: response.model)
    }

    public func translatingStream(from decoder: any ChatStreamDecoding, model: String) -> any StreamTransform {
        TranslatingStream(decoder: decoder, encoder: GeminiStreamEncoder(model: model))
    }

    public static func errorBody(_ error: GatewayError) -> [UInt8] { GeminiErrorFormat.body(for: error) }
    public static func errorEvent(_ error: GatewayError) -> ByteBuffer { GeminiErrorFormat.event(for: error) }
}
