import Foundation
import GatewayConfig
import GatewayModel
import Logging
import Metering
import Routing

/// Meters one attempt: everything its usage record needs is known when the attempt is
/// prepared except how it ends — tokens, timing, outcome — which the answer supplies.
struct AttemptMeter: Sendable {
    let meter: UsageMeter?
    let metrics: GatewayMetrics?
    /// The request this attempt belongs to, told of every record (its log line and counters).
    let trail: RequestTrail?
    /// The attempt's client span (tracing), ended with its record.
    let span: TraceSpan?
    /// The request's running bill for budgets and token limits (nil: none apply).
    let charge: RequestCharge?
    let id: String
    let requestID: String
    /// 1 for the request's first attempt, 2… for a fallback or a hedge.
    let number: Int
    let key: AuthenticatedKey
    let route: String
    let target: RouteTarget
    let dialectIn: String
    let operation: UpstreamOperation
    let streamed: Bool
    /// The gateway's prompt estimate, for records whose provider reported no usage.
    let estimatedPromptTokens: Int
    /// Rerank searches as the gateway counts them, for records whose provider reported none.
    let estimatedSearches: Int
    let reportingCurrency: String
    let rates: MoneyRates
    let policy: String
    let piiMasked: Int
    let started = ContinuousClock.now

    /// Provider usage when there is some, else the estimate: the prompt as routing estimated it,
    /// the output from what was streamed or answered.
    /// A failed attempt that produced no answer is recorded with no tokens (providers don't
    /// bill those); `promptBilled: false` says so.
    func usage(reported: TokenUsage?, estimatedOutput: Int, promptBilled: Bool = true) -> (TokenUsage, UsageRecord.UsageSource) {
        if let reported { return (reported, .provider) }
        guard promptBilled else { return (TokenUsage(output: estimatedOutput), .estimated) }
        return (TokenUsage(input: estimatedPromptTokens, output: estimatedOutput, searches: estimatedSearches), .estimated)
    }

    func makeRecord(
        outcome: UsageRecord.Outcome, status: Int, usage reported: TokenUsage?, estimatedOutput: Int,
        ttftMilliseconds: Int?
    ) -> UsageRecord {
        let (usage, source) = self.usage(
            reported: reported, estimatedOutput: estimatedOutput, promptBilled: outcome != .failed)
        return UsageRecord(
            id: id, requestID: requestID, time: Date(), tenant: key.tenant, keyID: key.id, route: route,
            provider: target.provider.name, model: target.offering.name, region: target.provider.region,
            dialectIn: dialectIn, dialectOut: target.provider.dialect.rawValue, operation: operation.rawValue, streamed: streamed,
            usage: usage, searchUnits: usage.searches, usageSource: source, rates: rates, currency: target.offering.price.currency,
            reportingCurrency: reportingCurrency,
            ttftMilliseconds: ttftMilliseconds, totalMilliseconds: elapsedMilliseconds, status: status,
            outcome: outcome, policy: policy, piiMasked: piiMasked, attempt: number)
    }

    /// Records a completed answer before the client gets its final bytes; throws a 503 when the
    /// record can't be made durable (no answer goes unmetered). The client then gets no answer,
    /// and the record says so: outcome `refused` with the status the client saw (503, or 200
    /// for a stream whose head was already sent), held for the database without the journal.
    func recordCompleted(
        usage: TokenUsage?, estimatedOutput: Int, ttftMilliseconds: Int?, statusIfRefused: Int = 503, finishReason: String? = nil,
        logger: Logger
    ) async throws(GatewayError) {
        guard meter != nil || charge != nil || metrics != nil || trail != nil || span != nil else { return }
        let completed = makeRecord(
            outcome: .completed, status: 200, usage: usage, estimatedOutput: estimatedOutput, ttftMilliseconds: ttftMilliseconds)
        do {
            try meter?.record(completed)
            charge?.add(completed)
            metrics?.record(completed)
            trail?.add(completed)
            span?.end(completed, finishReason: finishReason)
            if let finishReason { trail?.update { $0.finishReason = finishReason } }
        } catch {
            logger.error("usage could not be recorded; answering 503", metadata: ["error": "\(error)"])
            let refused = makeRecord(
                outcome: .refused, status: statusIfRefused, usage: usage, estimatedOutput: estimatedOutput,
                ttftMilliseconds: ttftMilliseconds)
            charge?.add(refused)
            meter?.recordUndurably(refused)
            metrics?.record(refused)
            trail?.add(refused)
            span?.end(refused)
            throw GatewayError.unavailable("Usage metering is unavailable, so the gateway is not answering (fail closed).")
        }
    }

    /// Records an attempt that didn't complete (failed, cancelled, cut off): best effort, logged.
    func recordEnded(
        _ outcome: UsageRecord.Outcome, status: Int, usage: TokenUsage? = nil, estimatedOutput: Int = 0,
        ttftMilliseconds: Int? = nil, logger: Logger
    ) async {
        do {
            try await record(outcome, status: status, usage: usage, estimatedOutput: estimatedOutput, ttftMilliseconds: ttftMilliseconds)
        } catch {
            logger.error("usage of an unfinished attempt could not be recorded", metadata: ["error": "\(error)"])
        }
    }

    /// Adds the record to the request's bill and makes it durable.
    private func record(
        _ outcome: UsageRecord.Outcome, status: Int, usage: TokenUsage?, estimatedOutput: Int, ttftMilliseconds: Int?
    ) async throws {
        guard meter != nil || charge != nil || metrics != nil || trail != nil || span != nil else { return }
        let record = makeRecord(
            outcome: outcome, status: status, usage: usage, estimatedOutput: estimatedOutput, ttftMilliseconds: ttftMilliseconds)
        charge?.add(record)
        metrics?.record(record)
        trail?.add(record)
        span?.end(record)
        do {
            try meter?.record(record)
        } catch {
            // Its outcome is already what the client got: keep it for the database regardless.
            meter?.recordUndurably(record)
            throw error
        }
    }

    /// Whole milliseconds since the attempt was prepared.
    var elapsedMilliseconds: Int { Int(RequestProxy.milliseconds(since: started)) }
}
