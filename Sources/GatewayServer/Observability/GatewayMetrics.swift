import CoreMetrics
import Foundation
import Metering
public import Prometheus

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
    }

    /// Records one attempt, as its usage record says it went.
    func record(_ record: UsageRecord) {
        var genAI = [
            ("gen_ai_operation_name", Self.operationName(record.operation)), ("gen_ai_provider_name", record.provider),
            ("gen_ai_request_model", record.route), ("gen_ai_response_model", record.model),
        ]
        if record.outcome != .completed { genAI.append(("error_type", record.outcome.rawValue)) }
        if record.outcome == .completed {
            for (type, tokens) in [("input", record.inputTokens), ("output", record.outputTokens)] where tokens > 0 || type == "input" {
                Recorder(label: Name.tokenUsage, dimensions: genAI + [("gen_ai_token_type", type)], aggregate: true, factory: factory)
                    .record(tokens)
            }
        }
        Timer(label: Name.operationDuration, dimensions: genAI, factory: factory)
            .recordMilliseconds(record.totalMilliseconds)
        if let ttft = record.ttftMilliseconds {
            Timer(label: Name.timeToFirstToken, dimensions: genAI, factory: factory).recordMilliseconds(ttft)
        }
        Counter(
            label: Name.attempts,
            dimensions: [
                ("route", record.route), ("provider", record.provider), ("model", record.model), ("dialect", record.dialectIn),
                ("operation", record.operation), ("outcome", record.outcome.rawValue),
            ], factory: factory
        ).increment()
        if let nanos = record.reportingCostNanos, nanos > 0 {
            FloatingPointCounter(
                label: Name.cost,
                dimensions: [
                    ("tenant", record.tenant), ("provider", record.provider), ("model", record.model),
                    ("currency", record.reportingCurrency),
                ], factory: factory
            ).increment(by: Double(nanos) / 1e9)
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
