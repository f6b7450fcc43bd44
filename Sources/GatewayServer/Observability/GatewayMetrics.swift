import CoreMetrics
import Foundation
import GatewayModel
import Metering
public import Prometheus
import Synchronization

/// The gateway's Prometheus metrics, served at `GET /metrics` (docs/observability.md lists
/// them): OpenTelemetry's GenAI client metrics and Switchyard's own.
///
/// Recorded through swift-metrics' API into a swift-prometheus registry of the gateway's own
/// (no process-wide bootstrap, so tests run gateways side by side). Per-attempt figures come
/// from the attempt's usage record, the one the ledger gets, so metrics and ledger agree;
/// per-request ones from the request's ``RequestTrail``; gauges of live state (circuits,
/// pools, journal, budgets) are read when Prometheus scrapes.
///
/// Labels are bounded by the configuration: a record exists only for a target routing chose, so
/// routes, providers and models are the configured ones; tenants are the configured ones too;
/// key ids appear only with `server.metrics_key_labels`. One registry for the process: it
/// outlives configuration reloads.
public final class GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    /// Adds the key id to cost series (`server.metrics_key_labels`: as many series as keys).
    let keyLabels: Bool
    let attemptSeries = SeriesCache<AttemptSeriesKey, AttemptSeries>()
    let requestSeries = SeriesCache<RequestSeriesKey, CoreMetrics.Counter>()
    let overheadSeries = SeriesCache<OverheadSeriesKey, CoreMetrics.Timer>()

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), keyLabels: Bool = false) {
        self.registry = registry
        self.keyLabels = keyLabels
        var factory = PrometheusMetricsFactory(registry: registry)
        // The bucket boundaries OpenTelemetry's GenAI semantic conventions recommend.
        factory.valueHistogramBuckets[Name.tokenUsage] = (0..<14).map { pow(4, Double($0)) }
        factory.durationHistogramBuckets[Name.operationDuration] = Self.seconds([
            0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
        ])
        factory.durationHistogramBuckets[Name.timeToFirstToken] = Self.seconds([
            0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
        ])
        factory.durationHistogramBuckets[Name.timePerOutputToken] = Self.seconds([
            0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5,
        ])
        // The gateway's own time is sub-millisecond when all is well: buckets from 50 µs.
        factory.durationHistogramBuckets[Name.overhead] = Self.seconds([
            0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
        ])
        factory.durationHistogramBuckets[Name.ledgerCommit] = Self.seconds([
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
        ])
        self.factory = factory
    }

    private static func seconds(_ bounds: [Double]) -> [Duration] { bounds.map { .nanoseconds(Int64($0 * 1e9)) } }

    enum Name {
        static let tokenUsage = "gen_ai_client_token_usage"
        static let operationDuration = "gen_ai_client_operation_duration_seconds"
        static let timeToFirstToken = "gen_ai_server_time_to_first_token_seconds"
        static let timePerOutputToken = "gen_ai_server_time_per_output_token_seconds"
        static let attempts = "switchyard_attempts_total"
        static let cost = "switchyard_cost_total"
        static let requests = "switchyard_requests_total"
        static let overhead = "switchyard_gateway_overhead_seconds"
        static let authenticationFailures = "switchyard_authentication_failures_total"
        static let personalDataMasked = "switchyard_pii_masked_total"
        static let ledgerCommit = "switchyard_ledger_commit_seconds"
        static let ledgerCommitted = "switchyard_ledger_committed_records_total"
        static let journalBacklog = "switchyard_journal_backlog_records"
        static let circuitState = "switchyard_circuit_state"
        static let targetLatencyP95 = "switchyard_target_latency_p95_seconds"
        static let upstreamConnections = "switchyard_upstream_connections"
        static let upstreamWaiting = "switchyard_upstream_waiting_requests"
        static let budgetLimit = "switchyard_budget_limit"
        static let budgetRemaining = "switchyard_budget_remaining"
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}

/// Each label set's metrics, made once: a registry lookup per metric per request would cost
/// more than the recording.
final class SeriesCache<Key: Hashable & Sendable, Series: Sendable>: Sendable {
    private let table = Mutex<[Key: Series]>([:])

    func series(_ key: Key, make: () -> Series) -> Series {
        if let existing = table.withLock({ $0[key] }) { return existing }
        let made = make()
        // Two requests may make the same series at once: the first one stored is the one kept.
        return table.withLock { table in
            if let existing = table[key] { return existing }
            table[key] = made
            return made
        }
    }
}
