public import Hummingbird

/// Per-request state for the gateway's handlers.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// The id every log line (`hb.request.id`) and the `x-switchyard-request-id` header share.
    public var requestID: String { id }
}
