import CoreMetrics
import Foundation
import GatewayModel
import Metering
public import Prometheus
import Synchronization

/// The gateway's Prometheus metrics, served at `GET /metrics`: OpenTelemetry's GenAI client
/// metrics (`gen_ai_client_token_usage`, `gen_ai_client_operation_duration_seconds`,
/// `gen_ai_server_time_to_first_token_seconds`) and Switchyard's own — all recorded from each
/// attempt's usage record, the one the ledger gets, so metrics and ledger agree.
///
/// Labels are bounded by the configuration: a record exists only for a target routing chose, so
/// routes, providers and models are the configured ones; tenants are the configured ones too.
/// One registry for the process: it outlives configuration reloads.
public final class GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// Each label set's metrics, made once: a registry lookup per metric per request would cost
    /// more than the recording.
    private let series = Mutex<[SeriesKey: Series]>([:])

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        // The bucket boundaries OpenTelemetry's GenAI semantic conventions recommend.
        factory.valueHistogramBuckets[Name.tokenUsage] = (0..<14).map { pow(4, Double($0)) }
        factory.durationHistogramBuckets[Name.operationDuration] = [
            0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
        ].map { Duration.milliseconds($0 * 1000) }
        factory.durationHistogramBuckets[Name.timeToFirstToken] = [
            0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
        ].map { Duration.milliseconds($0 * 1000) }
        self.factory = factory
    }

    enum Name {
        static let tokenUsage = "gen_ai_client_token_usage"
        static let operationDuration = "gen_ai_client_operation_duration_seconds"
        static let timeToFirstToken = "gen_ai_server_time_to_first_token_seconds"
        static let attempts = "switchyard_attempts_total"
        static let cost = "switchyard_cost_total"
        static let refusals = "switchyard_requests_refused_total"
    }

    /// What a record's series are told apart by.
    private struct SeriesKey: Hashable {
        var route: String
        var provider: String
        var model: String
        var dialect: String
        var operation: String
        var outcome: UsageRecord.Outcome
        var tenant: String
        var currency: String
    }

    /// The metrics of one label set.
    private struct Series: Sendable {
        let inputTokens: CoreMetrics.Recorder
        let outputTokens: CoreMetrics.Recorder
        let duration: CoreMetrics.Timer
        let timeToFirstToken: CoreMetrics.Timer
        let attempts: CoreMetrics.Counter
        let cost: CoreMetrics.FloatingPointCounter
    }

    /// Records one attempt, as its usage record says it went.
    func record(_ record: UsageRecord) {
        let key = SeriesKey(
            route: record.route, provider: record.provider, model: record.model, dialect: record.dialectIn,
            operation: record.operation, outcome: record.outcome, tenant: record.tenant, currency: record.reportingCurrency)
        let series = series.withLock { $0[key] } ?? makeSeries(key)
        if record.outcome == .completed {
            series.inputTokens.record(record.inputTokens)
            if record.outputTokens > 0 { series.outputTokens.record(record.outputTokens) }
        }
        series.duration.recordMilliseconds(record.totalMilliseconds)
        if let ttft = record.ttftMilliseconds { series.timeToFirstToken.recordMilliseconds(ttft) }
        series.attempts.increment()
        if let nanos = record.reportingCostNanos, nanos > 0 { series.cost.increment(by: Double(nanos) / 1e9) }
    }

    /// Records a request refused before any provider was called, by why: `policy` (403),
    /// `budget` (its budget is spent), `limit` (a rate limit), `unavailable` (every target out
    /// for now, or the ledger), `unfit` (no target can take it: 400).
    func recordRefusal(route: String, tenant: String, _ refusal: GatewayError) {
        let reason =
            switch (refusal.status, refusal.code) {
            case (403, _): "policy"
            case (429, "insufficient_quota"): "budget"
            case (429, _): "limit"
            case (400..<500, _): "unfit"
            default: "unavailable"
            }
        CoreMetrics.Counter(
            label: Name.refusals, dimensions: [("route", route), ("tenant", tenant), ("reason", reason)], factory: factory
        ).increment()
    }

    private func makeSeries(_ key: SeriesKey) -> Series {
        var genAI = [
            ("gen_ai_operation_name", Self.operationName(key.operation)), ("gen_ai_provider_name", key.provider),
            ("gen_ai_request_model", key.route), ("gen_ai_response_model", key.model),
        ]
        if key.outcome != .completed { genAI.append(("error_type", key.outcome.rawValue)) }
        let made = Series(
            inputTokens: CoreMetrics.Recorder(
                label: Name.tokenUsage, dimensions: genAI + [("gen_ai_token_type", "input")], aggregate: true, factory: factory),
            outputTokens: CoreMetrics.Recorder(
                label: Name.tokenUsage, dimensions: genAI + [("gen_ai_token_type", "output")], aggregate: true, factory: factory),
            duration: CoreMetrics.Timer(label: Name.operationDuration, dimensions: genAI, factory: factory),
            timeToFirstToken: CoreMetrics.Timer(label: Name.timeToFirstToken, dimensions: genAI, factory: factory),
            attempts: CoreMetrics.Counter(
                label: Name.attempts,
                dimensions: [
                    ("route", key.route), ("provider", key.provider), ("model", key.model), ("dialect", key.dialect),
                    ("operation", key.operation), ("outcome", key.outcome.rawValue),
                ], factory: factory),
            cost: CoreMetrics.FloatingPointCounter(
                label: Name.cost,
                dimensions: [("tenant", key.tenant), ("provider", key.provider), ("model", key.model), ("currency", key.currency)],
                factory: factory))
        // Two requests may make the same series at once: the first one stored is the one kept.
        return series.withLock { series in
            if let existing = series[key] { return existing }
            series[key] = made
            return made
        }
    }

    /// OpenTelemetry's well-known `gen_ai.operation.name` values where one fits.
    static func operationName(_ operation: String) -> String {
        switch operation {
        case "completions": "text_completion"
        case "responses": "chat"
        default: operation
        }
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}
