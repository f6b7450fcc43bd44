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
    /// Where every attempt's usage goes; nil meters nothing (benchmarks compare the two).
    public let meter: UsageMeter?
    /// SHA-256 of the admin API's bearer key (`admin_key`); nil leaves the admin API disabled.
    public let adminKeyHash: String?

    public init(
        configuration: GatewayConfiguration, planner: RoutePlanner, endpoints: [String: UpstreamEndpoint],
        upstream: UpstreamClients, keys: KeyDirectory, ledger: any Ledger, logger: Logger,
        latency: LatencyTracker = LatencyTracker(), health: TargetHealth = TargetHealth(), meter: UsageMeter? = nil,
        adminKey: String? = nil
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
        self.meter = meter
        self.adminKeyHash = adminKey.map { VirtualKey.hash($0) }
    }

    /// A Hummingbird application serving this gateway as it is (no reloads).
    public func makeApplication(
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        LiveGateway(self).makeApplication(onServerRunning: onServerRunning)
    }
}
