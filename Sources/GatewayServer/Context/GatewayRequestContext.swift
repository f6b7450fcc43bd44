public import Hummingbird
import Logging

/// Per-request state for the gateway's handlers.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The id every log line (`hb.request.id`) and the `x-switchyard-request-id` header share.
    ///
    /// Read once: Hummingbird keeps it in the logger's metadata, where each read costs a
    /// log-handler lookup and a string conversion.
    public private(set) var requestID = ""

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.requestID = logger[metadataKey: "hb.request.id"]?.description ?? ""
    }
}
