import CoreMetrics
import Metering

/// What an attempt's series are told apart by.
struct AttemptSeriesKey: Hashable, Sendable {
    var route: String
    var provider: String
    var model: String
    var dialect: String
    var operation: String
    var outcome: UsageRecord.Outcome
    var tenant: String
    var keyID: String
    var currency: String
}

/// The metrics of one attempt label set.
struct AttemptSeries: Sendable {
    let inputTokens: CoreMetrics.Recorder
    let cachedInputTokens: CoreMetrics.Recorder
    let outputTokens: CoreMetrics.Recorder
    let duration: CoreMetrics.Timer
    let timeToFirstToken: CoreMetrics.Timer
    let timePerOutputToken: CoreMetrics.Timer
    let attempts: CoreMetrics.Counter
    let cost: CoreMetrics.FloatingPointCounter
}

extension GatewayMetrics {
    /// Records one attempt, as its usage record says it went.
    func record(_ record: UsageRecord) {
        let key = AttemptSeriesKey(
            route: record.route, provider: record.provider, model: record.model, dialect: record.dialectIn,
            operation: record.operation, outcome: record.outcome, tenant: record.tenant, keyID: keyLabels ? record.keyID : "",
            currency: record.reportingCurrency)
        let series = attemptSeries.series(key) { makeSeries(key) }
        if record.outcome == .completed {
            series.inputTokens.record(record.inputTokens)
            if record.cachedInputTokens > 0 { series.cachedInputTokens.record(record.cachedInputTokens) }
            if record.outputTokens > 0 { series.outputTokens.record(record.outputTokens) }
        }
        series.duration.recordMilliseconds(record.totalMilliseconds)
        if let ttft = record.ttftMilliseconds {
            series.timeToFirstToken.recordMilliseconds(ttft)
            // The time between tokens after the first: what a streaming reader waits per token.
            if record.outcome == .completed, record.outputTokens > 1, record.totalMilliseconds > ttft {
                let perToken = Double(record.totalMilliseconds - ttft) * 1e6 / Double(record.outputTokens - 1)
                series.timePerOutputToken.recordNanoseconds(Int64(perToken))
            }
        }
        series.attempts.increment()
        if let nanos = record.reportingCostNanos, nanos > 0 { series.cost.increment(by: Double(nanos) / 1e9) }
    }

    private func makeSeries(_ key: AttemptSeriesKey) -> AttemptSeries {
        var genAI = [
            ("gen_ai_operation_name", Self.operationName(key.operation)), ("gen_ai_provider_name", key.provider),
            ("gen_ai_request_model", key.route), ("gen_ai_response_model", key.model),
        ]
        if key.outcome != .completed { genAI.append(("error_type", key.outcome.rawValue)) }
        func tokens(_ type: String) -> CoreMetrics.Recorder {
            CoreMetrics.Recorder(
                label: Name.tokenUsage, dimensions: genAI + [("gen_ai_token_type", type)], aggregate: true, factory: factory)
        }
        var costLabels = [("tenant", key.tenant), ("provider", key.provider), ("model", key.model), ("currency", key.currency)]
        if keyLabels { costLabels.append(("key_id", key.keyID)) }
        return AttemptSeries(
            inputTokens: tokens("input"), cachedInputTokens: tokens("cached_input"), outputTokens: tokens("output"),
            duration: CoreMetrics.Timer(label: Name.operationDuration, dimensions: genAI, factory: factory),
            timeToFirstToken: CoreMetrics.Timer(label: Name.timeToFirstToken, dimensions: genAI, factory: factory),
            timePerOutputToken: CoreMetrics.Timer(label: Name.timePerOutputToken, dimensions: genAI, factory: factory),
            attempts: CoreMetrics.Counter(
                label: Name.attempts,
                dimensions: [
                    ("route", key.route), ("provider", key.provider), ("model", key.model), ("dialect", key.dialect),
                    ("operation", key.operation), ("outcome", key.outcome.rawValue),
                ], factory: factory),
            cost: CoreMetrics.FloatingPointCounter(label: Name.cost, dimensions: costLabels, factory: factory))
    }

    /// OpenTelemetry's well-known `gen_ai.operation.name` values where one fits.
    static func operationName(_ operation: String) -> String {
        switch operation {
        case "completions": "text_completion"
        case "responses": "chat"
        default: operation
        }
    }
}
