public import GatewayConfig
import GatewayModel
public import Hummingbird
public import NIOCore
public import Logging
public import Metering
public import Providers
public import Routing

/// Everything a running gateway serves from: one immutable snapshot plus the shared clients.
///
/// Built once per configuration load; handlers read it without locks.
public struct Gateway: Sendable {
    public let configuration: GatewayConfiguration
    public let planner: RoutePlanner
    /// Callable providers by name (unavailable ones are absent and listed in the planner).
    public let endpoints: [String: UpstreamEndpoint]
    public let upstream: UpstreamClients
    public let keys: KeyDirectory
    public let ledger: any Ledger
    public let logger: Logger
    /// Measured latency per target, shared by all requests (for `fastest` and `balanced`).
    public let latency: LatencyTracker
    /// Circuit breakers per target, shared by all requests.
    public let health: TargetHealth

    public init(
        configuration: GatewayConfiguration, planner: RoutePlanner, endpoints: [String: UpstreamEndpoint],
        upstream: UpstreamClients, keys: KeyDirectory, ledger: any Ledger, logger: Logger,
        latency: LatencyTracker = LatencyTracker(), health: TargetHealth = TargetHealth()
    ) {
        self.configuration = configuration
        self.planner = planner
        self.endpoints = endpoints
        self.upstream = upstream
        self.keys = keys
        self.ledger = ledger
        self.logger = logger
        self.latency = latency
        self.health = health
    }

    /// The HTTP surface: OpenAI-compatible API under `/v1`, probes at the root.
    public func makeRouter() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: ErrorRenderingMiddleware(maxBodyBytes: configuration.server.maxBodyBytes))
        let authenticator = BearerAuthenticator(keys: keys)
        let proxy = ChatProxy(gateway: self)
        ChatCompletionsController(proxy: proxy, authenticator: authenticator).register(on: router)
        MessagesController(proxy: proxy, authenticator: authenticator).register(on: router)
        ModelsController(planner: planner, authenticator: authenticator).register(on: router)
        HealthController(ledger: ledger, configuration: configuration).register(on: router)
        return router
    }

    /// A Hummingbird application serving ``makeRouter()`` on the configured address.
    public func makeApplication(
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            configuration: .init(
                address: .hostname(configuration.server.host, port: configuration.server.port),
                serverName: "switchyard"),
            onServerRunning: onServerRunning,
            logger: logger)
    }
}
