import Foundation
public import GatewayModel
import JSONScanning
public import NIOCore

/// Google's embeddings for google-genai apps: `POST /v1beta/models/{model}:batchEmbedContents`
/// (`{"requests":[{"content":{"parts":[{"text"}]},"taskType","outputDimensionality"}]}`) and
/// the single `:embedContent`. Every request of a batch shares one `taskType` and
/// `outputDimensionality` (as google-genai sends them). Encoded anew for every provider: a
/// Gemini provider gets the batch with its own model id.
public struct GeminiEmbedRequest: Sendable {
    /// A route, `provider/model` or model name (the path's `models/` prefix removed).
    public let model: String
    public let request: EmbeddingRequest
    /// `:batchEmbedContents` (answered `{"embeddings":[…]}`), not `:embedContent` (`{"embedding":…}`).
    public let isBatch: Bool

    public init(body: [UInt8], model: String, batch: Bool) throws(GatewayError) {
        let index = try JSONObjectIndex(requestBody: body)
        guard !model.isEmpty else { throw .invalidRequest("The model in the path is empty.", parameter: "model") }
        let requests: [JSONObjectIndex]
        if batch {
            guard let items = index.objects(inArray: "requests"), !items.isEmpty else {
                throw .invalidRequest("requests must be a non-empty array of objects.", parameter: "requests")
            }
            guard items.count <= OpenAIEmbeddingsRequest.maximumInputs else {
                throw .invalidRequest(
                    "requests holds \(items.count) items; at most \(OpenAIEmbeddingsRequest.maximumInputs) may be sent at once.",
                    parameter: "requests")
            }
            requests = items
        } else {
            requests = [index]
        }
        var inputs: [EmbeddingRequest.Input] = []
        inputs.reserveCapacity(requests.count)
        for (position, item) in requests.enumerated() {
            let field = batch ? "requests[\(position)]." : ""
            let texts = item.object("content")?.objects(inArray: "parts")?.compactMap { $0.string("text") } ?? []
            guard !texts.isEmpty, texts.contains(where: { !$0.isEmpty }) else {
                throw .invalidRequest("\(field)content must hold parts with text.", parameter: field + "content")
            }
            inputs.append(.text(texts.joined(separator: "\n")))
        }
        let first = requests[0]
        let dimensions = first.int("outputDimensionality")
        let taskType = first.string("taskType")
        if let dimensions, dimensions < 1 {
            throw .invalidRequest("outputDimensionality must be a positive integer.", parameter: "outputDimensionality")
        }
        for item in requests.dropFirst()
        where item.int("outputDimensionality") != dimensions || item.string("taskType") != taskType {
            throw .invalidRequest(
                "Every request of a batch must have the same taskType and outputDimensionality.", parameter: "requests")
        }
        self.model = model
        self.isBatch = batch
        self.request = EmbeddingRequest(inputs: inputs, dimensions: dimensions, taskType: taskType)
    }
}

extension GeminiEmbedRequest: InboundOperation {
    public static var format: WireFormat { .gemini }
    public static var dialectName: String { "gemini-embeddings" }
    public static var operation: UpstreamOperation { .embeddings }

    public var routingFacts: RoutingFacts { request.routingFacts }

    public static func dialect(for format: WireFormat) -> (any OperationDialect<EmbeddingRequest>)? {
        EmbeddingRequest.dialect(for: format)
    }

    /// Google's shape: values as floats; Google's answer has no usage, and neither has this.
    public func encodeAnswer(_ answer: EmbeddingAnswer, model: String) -> [UInt8] {
        let embeddings = answer.vectors.map { #"{"values":\#(OpenAIEmbeddingsRequest.floats($0))}"# }
        let json =
            isBatch ? #"{"embeddings":[\#(embeddings.joined(separator: ","))]}"# : #"{"embedding":\#(embeddings.first ?? "{}")}"#
        return Array(json.utf8)
    }

    public static func errorBody(_ error: GatewayError) -> [UInt8] { GeminiErrorFormat.body(for: error) }
    public static func errorEvent(_ error: GatewayError) -> ByteBuffer { GeminiErrorFormat.event(for: error) }
}
