public import GatewayModel

/// An inbound API other than chat (embeddings, rerank): answered whole, never streamed. Its
/// request is decoded and checked as it arrives; a provider of the caller's dialect gets the
/// caller's bytes, any other (or one that takes fewer inputs per call) the request encoded by
/// that provider's ``OperationDialect``.
public protocol InboundOperation: InboundRequest {
    associatedtype Request: OperationRequest
    /// The request, decoded.
    var request: Request { get }
    /// Same dialect, in one call (fast path): the client's bytes with the provider's model
    /// spliced in; nil when this API's requests are always encoded anew.
    func passThroughBody(upstreamModel: String) -> [UInt8]?
    /// Same dialect: checks a whole answer has the operation's shape and reads its usage.
    func passThroughUsage(in answer: [UInt8]) throws(DialectDecodingError) -> TokenUsage?
    /// An answer from a provider of another dialect (or merged from batches) in the caller's.
    func encodeAnswer(_ answer: Request.Answer, model: String) -> [UInt8]
    /// The outbound dialect for providers of `format`; nil when they don't serve this operation.
    static func dialect(for format: WireFormat) -> (any OperationDialect<Request>)?
}

extension InboundOperation {
    public var stream: Bool { false }
    public func passThroughBody(upstreamModel: String) -> [UInt8]? { nil }
    public func passThroughUsage(in answer: [UInt8]) throws(DialectDecodingError) -> TokenUsage? { nil }
}

/// A provider's wire format for one operation: encode the request, decode the answer.
public protocol OperationDialect<Request>: Sendable {
    associatedtype Request: OperationRequest
    /// The body for `request`, sent to `upstreamModel`; throws for what this provider can't take.
    func encode(_ request: Request, upstreamModel: String) throws(GatewayError) -> [UInt8]
    /// The answer to `request`; throws when the body isn't this dialect's answer to it.
    func decode(_ body: [UInt8], for request: Request) throws(DialectDecodingError) -> Request.Answer
    /// Wire names of the request's parameters this dialect has no place for, for
    /// `x-switchyard-dropped` (none by default).
    func dropped(from request: Request) -> [String]
}

extension OperationDialect {
    public func dropped(from request: Request) -> [String] { [] }
}
