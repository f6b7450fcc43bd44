public import GatewayConfig
import GatewayModel
public import Hummingbird
public import Logging
public import Metering
public import NIOCore
public import Providers
public import Routing

/// Everything a running gateway serves from: one immutable snapshot plus the shared clients.
///
/// Built once per configuration load; handlers read it without locks. A class: each request
/// takes the current one (``LiveGateway/current``), and a struct of this many references cost a
/// retain each to copy, several times a request.
public final class Gateway: Sendable {
    public let configuration: GatewayConfiguration
    public let planner: RoutePlanner
    /// Callable providers by name (unavailable ones are absent and listed in the planner).
    public let endpoints: [String: UpstreamEndpoint]
    public let upstream: UpstreamClients
    public let keys: KeyDirectory
    public let ledger: any Ledger
    /// Responses API answers kept for `previous_response_id` (shared across reloads).
    public let responses: ResponseKeeper
    public let logger: Logger
    /// Measured latency per target, shared by all requests (for `fastest` and `balanced`).
    public let latency: LatencyTracker
    /// Circuit breakers per target, shared by all requests.
    public let health: TargetHealth
    /// Where every attempt's usage goes; nil meters nothing (benchmarks compare the two).
    public let meter: UsageMeter?
    /// The process's Prometheus metrics (`GET /metrics`); nil records none.
    public let metrics: GatewayMetrics?
    /// Where spans go (`telemetry:`); nil traces nothing.
    public let tracing: GatewayTracing?
    /// Budgets and rate limits in force, shared by all requests (and kept across reloads).
    public let budgets: BudgetBook
    /// With replicas sharing a PostgreSQL ledger: tops up ``budgets``' leases from the database.
    public let budgetLeases: BudgetLeaseKeeper?
    public let rateLimiter: RateLimiter
    /// `tenants[]` by name, for admission.
    let tenants: [String: TenantConfiguration]
    /// Each provider model's price in nano-units with its fx rate, for usage records.
    let moneyRates: [ModelReference: MoneyRates]
    /// Comes when a stopping gateway's time for requests runs out (shared by every configuration).
    public let shutdownNotice: EndNotice
    /// SHA-256 of the admin API's bearer key (`admin_key`); nil leaves the admin API disabled.
    public let adminKeyHash: String?
    /// SHA-256 of the token `GET /metrics` asks for (`server.metrics_token`); nil asks none.
    public let metricsTokenHash: String?

    public init(
        configuration: GatewayConfiguration, planner: RoutePlanner, endpoints: [String: UpstreamEndpoint],
        upstream: UpstreamClients, keys: KeyDirectory, ledger: any Ledger, logger: Logger,
        latency: LatencyTracker = LatencyTracker(), health: TargetHealth = TargetHealth(), meter: UsageMeter? = nil,
        budgets: BudgetBook? = nil, budgetLeases: BudgetLeaseKeeper? = nil, rateLimiter: RateLimiter = RateLimiter(),
        adminKey: String? = nil, shutdownNotice: EndNotice = EndNotice(), responses: ResponseKeeper? = nil,
        metrics: GatewayMetrics? = nil, metricsToken: String? = nil, tracing: GatewayTracing? = nil
    ) {
        self.tracing = tracing
        self.metricsTokenHash = metricsToken.map { VirtualKey.hash($0) }
        self.metrics = metrics
        self.responses = responses ?? ResponseKeeper(store: ledger as? any ResponseStore, logger: logger)
        self.shutdownNotice = shutdownNotice
        self.configuration = configuration
        self.planner = planner
        self.endpoints = endpoints
        self.upstream = upstream
        self.keys = keys
        self.ledger = ledger
        self.logger = logger
        self.latency = latency
        self.health = health
        self.meter = meter
        let currency = configuration.currency
        self.budgets =
            budgets
            ?? BudgetBook(reportingCurrency: currency.reportingCurrency) { amount, from in currency.convert(amount, from: from) }
        self.budgetLeases = budgetLeases
        self.rateLimiter = rateLimiter
        self.tenants = Dictionary(configuration.tenants.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var rates: [ModelReference: MoneyRates] = [:]
        for provider in configuration.providers {
            for offering in provider.models {
                rates[ModelReference(provider: provider.name, model: offering.name)] = MoneyRates(
                    price: offering.price, fxRate: currency.rates[offering.price.currency])
            }
        }
        self.moneyRates = rates
        self.adminKeyHash = adminKey.map { VirtualKey.hash($0) }
    }

    /// A Hummingbird application serving this gateway as it is (no reloads).
    public func makeApplication(
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        LiveGateway(self).makeApplication(onServerRunning: onServerRunning)
    }
}
