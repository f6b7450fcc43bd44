import GatewayConfig
public import Hummingbird
import Logging
public import NIOCore
import Synchronization

/// The gateway currently serving, replaced whole when the configuration reloads.
///
/// Each request reads ``current`` once and keeps that snapshot to its end, so a reload never
/// changes a request half-way and in-flight requests finish on the configuration they began
/// with. Latency figures and circuit state are carried over by the reloader (they are keyed by
/// provider model, not by configuration).
public final class LiveGateway: Sendable {
    private let state: Mutex<Gateway>
    /// Failed authentications per client address, kept across reloads.
    let throttle: FailedAuthenticationThrottle
    /// The console's signed-in browsers, kept across reloads.
    let consoleSessions = ConsoleSessions()

    public init(_ gateway: Gateway, throttle: FailedAuthenticationThrottle = FailedAuthenticationThrottle()) {
        self.state = Mutex(gateway)
        self.throttle = throttle
    }

    public var current: Gateway { state.withLock { $0 } }

    /// From now on, new requests are served by `gateway`.
    public func replace(with gateway: Gateway) {
        state.withLock { $0 = gateway }
    }

    /// The HTTP surface: OpenAI- and Anthropic-compatible API under `/v1`, the admin API under
    /// `/admin`, probes at the root. Handlers read the current gateway per request.
    public func makeRouter() -> Router<GatewayRequestContext> {
        let gateway = current
        let router = Router(context: GatewayRequestContext.self)
        router.add(
            middleware: ErrorRenderingMiddleware(
                maxBodyBytes: gateway.configuration.server.maxBodyBytes,
                telemetry: RequestTelemetry(metrics: gateway.metrics, tracing: gateway.tracing)))
        router.add(middleware: AuthenticationThrottleMiddleware(throttle: throttle, metrics: gateway.metrics))
        // Keys live in their own directory (refreshed from the ledger), not in Routes/.
        let authenticator = BearerAuthenticator(keys: gateway.keys)
        ChatCompletionsController(live: self, authenticator: authenticator).register(on: router)
        RetrievalController(live: self, authenticator: authenticator).register(on: router)
        MessagesController(live: self, authenticator: authenticator).register(on: router)
        ResponsesController(live: self, authenticator: authenticator).register(on: router)
        ModelsController(live: self, authenticator: authenticator).register(on: router)
        GeminiController(live: self, authenticator: authenticator).register(on: router)
        HealthController(live: self).register(on: router)
        if gateway.configuration.server.metricsPort == nil { MetricsController(live: self).register(on: router) }
        AdminController(live: self).register(on: router)
        SpendController(live: self, authenticator: authenticator).register(on: router)
        KeysController(live: self).register(on: router)
        ConsoleController(live: self, sessions: consoleSessions).register(on: router)
        return router
    }

    /// A Hummingbird application serving ``makeRouter()`` on the configured address (the
    /// address is read once: changing it takes a restart).
    public func makeApplication(
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let gateway = current
        let server = gateway.configuration.server
        let limits = ConnectionLimits(server)
        if limits.maxConnections < server.maxConnections {
            gateway.logger.notice(
                "server.max_connections \(server.maxConnections) is held to \(limits.maxConnections): half the process's open-file limit")
        }
        return Application(
            responder: ChildTaskResponder(inner: HeadAsGetResponder(inner: makeRouter().buildResponder())),
            server: .gateway(limits),
            configuration: .init(
                address: .hostname(server.host, port: server.port), serverName: "switchyard", backlog: server.backlog),
            onServerRunning: onServerRunning,
            logger: gateway.logger)
    }

    /// `GET /metrics` alone, on `server.metrics_port` (same host and connection limits).
    public func makeMetricsApplication(
        port: Int, onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let gateway = current
        let server = gateway.configuration.server
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: ErrorRenderingMiddleware(maxBodyBytes: server.maxBodyBytes))
        router.add(middleware: AuthenticationThrottleMiddleware(throttle: throttle, metrics: gateway.metrics))
        MetricsController(live: self).register(on: router)
        return Application(
            responder: HeadAsGetResponder(inner: router.buildResponder()),
            server: .gateway(ConnectionLimits(server)),
            configuration: .init(address: .hostname(server.host, port: port), serverName: "switchyard", backlog: server.backlog),
            onServerRunning: onServerRunning,
            logger: gateway.logger)
    }
}
