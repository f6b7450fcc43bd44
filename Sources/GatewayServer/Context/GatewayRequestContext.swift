public import Hummingbird
import Logging
import NIOCore

/// Per-request state for the gateway's handlers.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The id every log line (`hb.request.id`) and the `x-switchyard-request-id` header share.
    ///
    /// Read once: Hummingbird keeps it in the logger's metadata, where each read costs a
    /// log-handler lookup and a string conversion.
    public private(set) var requestID = ""
    /// What the request did, for its log line and metrics (set by ``ErrorRenderingMiddleware``).
    var trail: RequestTrail?
    /// The connection the request came on, for its peer's address (read only when needed).
    private let channel: (any Channel)?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
        self.requestID = logger[metadataKey: "hb.request.id"]?.description ?? ""
    }

    /// Signals the client leaving this request's connection (see ``EndNotice``).
    var clientDeparture: EndNotice? {
        get async { await channel?.clientDeparture }
    }

    /// The client's IP address (the connection's peer: a load balancer's, behind one).
    public var clientAddress: String? { channel?.remoteAddress?.ipAddress }
}
