public import GatewayModel
public import NIOCore

/// The caller's side of an exchange: what the gateway reads from an inbound request and how
/// it answers in the caller's dialect. One conformance per inbound API; the proxy is written
/// once against this, and ``InboundChat`` or ``InboundOperation`` says how a request reaches a
/// provider of another dialect.
public protocol InboundRequest: Sendable {
    static var format: WireFormat { get }
    /// The API the app called, as the ledger's `dialect_in` records it: the wire format's name,
    /// or a name of its own for OpenAI's other APIs (`openai-responses`, `openai-completions`).
    static var dialectName: String { get }
    /// The operation the app called: the endpoint its own bytes go to on the fast path (see
    /// ``UpstreamOperation``), the kind of model it needs, and the ledger's `operation`.
    static var operation: UpstreamOperation { get }
    /// As the client sent it: a route, `provider/model` or a model name.
    var model: String { get }
    var stream: Bool { get }
    /// Estimated prompt tokens, the output limit, and the capabilities the request needs —
    /// read from the bytes for routing (no decode).
    var routingFacts: RoutingFacts { get }

    static func errorBody(_ error: GatewayError) -> [UInt8]
    /// An error inside a stream whose head is already sent.
    static func errorEvent(_ error: GatewayError) -> ByteBuffer
}

extension InboundRequest {
    public static var operation: UpstreamOperation { .chat }
    public static var dialectName: String { format.rawValue }
}
