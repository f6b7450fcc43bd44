import GatewayConfig
import GatewayServer
import Logging
import Metering
import Providers
import Routing

/// Builds a ``Gateway`` from a configuration — at start and again on every reload — around
/// what outlives a configuration: keys, ledger, connection pools, latency figures and circuit
/// state, and the offline/live decision taken at start.
struct GatewayAssembler: Sendable {
    let environment: [String: String]
    /// Offline or live, as decided at start (a reload doesn't switch modes).
    let isOffline: Bool
    /// Offline: the local mock serving each provider started with the gateway.
    let mockBaseURLs: [String: String]
    let keys: KeyDirectory
    let ledger: any Ledger
    let pools: UpstreamPools
    let latency: LatencyTracker
    let health: TargetHealth
    let meter: UsageMeter?
    /// One for the process: counters keep counting across reloads (nil: `--no-metrics`).
    let metrics: GatewayMetrics?
    /// One for the process, when `telemetry:` names a collector.
    let tracing: GatewayTracing?
    let budgets: BudgetBook
    let budgetLeases: BudgetLeaseKeeper?
    let rateLimiter: RateLimiter
    let shutdownNotice: EndNotice
    /// One for the process: answers still being saved stay findable across reloads.
    let responses: ResponseKeeper
    let logger: Logger

    /// A gateway for `configuration`; throws when a provider's TLS settings can't be loaded or
    /// the admin key is too short.
    func assemble(_ configuration: GatewayConfiguration) throws -> Gateway {
        let resolution = ProviderResolution(configuration: configuration, environment: environment, mode: isOffline ? .on : .off)
        var unavailable = resolution.unavailable
        if isOffline {
            for provider in configuration.providers where mockBaseURLs[provider.name] == nil {
                unavailable[provider.name] = "added after an offline start (restart the gateway to mock it)"
            }
        }
        let endpoints = resolution.endpoints(for: configuration, environment: environment, mockBaseURLs: mockBaseURLs)
        return Gateway(
            configuration: configuration, planner: RoutePlanner(configuration: configuration, unavailableProviders: unavailable),
            endpoints: endpoints, upstream: try pools.clients(for: endpoints.values), keys: keys, ledger: ledger, logger: logger,
            latency: latency, health: health, meter: meter, budgets: budgets, budgetLeases: budgetLeases,
            rateLimiter: rateLimiter, adminKey: try configuration.resolvedAdminKey(in: environment)?.revealed,
            shutdownNotice: shutdownNotice, responses: responses, metrics: metrics,
            metricsToken: configuration.server.metricsToken?.resolve(in: environment)?.revealed, tracing: tracing)
    }
}
