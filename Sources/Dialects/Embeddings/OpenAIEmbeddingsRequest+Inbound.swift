import Foundation
public import GatewayModel
import JSONScanning

extension OpenAIEmbeddingsRequest: OpenAIInbound, InboundOperation {
    public static var dialectName: String { "openai-embeddings" }
    public static var operation: UpstreamOperation { .embeddings }

    public var routingFacts: RoutingFacts { request.routingFacts }

    /// The client's bytes with the provider's model, less the gateway's own `task_type`.
    public func passThroughBody(upstreamModel: String) -> [UInt8]? {
        if upstreamModel == model && index["task_type"] == nil { return index.bytes }
        var editor = JSONObjectEditor(index)
        editor.set("model", string: upstreamModel)
        editor.remove("task_type")
        return editor.bytes()
    }

    public func passThroughUsage(in answer: [UInt8]) throws(DialectDecodingError) -> TokenUsage? {
        guard let index = try? JSONObjectIndex(document: answer), index["data"]?.kind == .array else {
            throw DialectDecodingError("the answer is not an embeddings list")
        }
        return index.object("usage")?.int("prompt_tokens").map { TokenUsage(input: $0) }
    }

    public static func dialect(for format: WireFormat) -> (any OperationDialect<EmbeddingRequest>)? {
        EmbeddingRequest.dialect(for: format)
    }

    /// OpenAI's `list` of `embedding` objects, in the encoding the client asked for; usage as the
    /// provider reported it, else the gateway's estimate (the ledger says which).
    public func encodeAnswer(_ answer: EmbeddingAnswer, model: String) -> [UInt8] {
        var json = #"{"object":"list","data":["#
        for (position, vector) in answer.vectors.enumerated() {
            if position > 0 { json += "," }
            json += #"{"object":"embedding","index":\#(position),"embedding":"#
            json += base64 ? "\"\(Self.base64(vector))\"" : Self.floats(vector)
            json += "}"
        }
        let tokens = (answer.usage ?? TokenUsage(input: request.estimatedTokens)).input
        json += #"],"model":\#(JSONEncoding.quoted(model)),"usage":{"prompt_tokens":\#(tokens),"total_tokens":\#(tokens)}}"#
        return Array(json.utf8)
    }

    /// `[0.1,-0.2,…]`; a value that isn't finite (no provider sends one) is written as 0.
    static func floats(_ vector: [Float]) -> String {
        "[" + vector.map { $0.isFinite ? "\($0)" : "0" }.joined(separator: ",") + "]"
    }

    /// Little-endian float32s in base64, as OpenAI answers `encoding_format: base64`.
    static func base64(_ vector: [Float]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(vector.count * 4)
        for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        return Data(bytes).base64EncodedString()
    }
}
