import GatewayModel
import Metering
import Synchronization

/// One request's story, told once when it ends: the request log line, `switchyard_requests_total`
/// and the gateway-overhead histogram (``RequestTelemetry``).
///
/// Made per request by ``ErrorRenderingMiddleware``; the proxy fills it in as the request goes
/// — the route chosen, each attempt's usage record (the same one the ledger gets), a refusal —
/// and the middleware ends it when the last byte of the answer is written.
final class RequestTrail: Sendable {
    /// What the proxy learns about the request (all of it optional: a request refused for a bad
    /// key or body never reaches the proxy).
    struct Facts: Sendable {
        var tenant = ""
        var keyID = ""
        /// What the caller asked for (cut to ``RequestTrail/longestModelName``): for the log line
        /// only — a made-up name must not become a metric series.
        var requestedModel = ""
        /// The route routing chose (empty until it did).
        var route = ""
        var strategy = ""
        var dialect = ""
        var operation = ""
        var stream = false
        /// Attempts handed to providers (a failed connection leaves no usage record but counts).
        var attempts = 0
        /// Every attempt's usage record, in the order they ended.
        var records: [UsageRecord] = []
        /// Whether a second attempt raced the first (`hedge_after_ms`).
        var hedged = false
        /// Why no provider was called, when the gateway refused (``RefusalReason``).
        var refusal: RefusalReason?
        /// Time spent waiting on providers, summed over attempts (for the gateway's overhead).
        var upstreamWait: Duration = .zero
        /// Why the answer ended (OpenAI's words), when an attempt's span noted it.
        var finishReason: String?
        /// The error the client was answered with, when it was.
        var errorMessage: String?
    }

    /// Model names longer than this are cut in the log line (a request may name anything).
    static let longestModelName = 200

    let started = ContinuousClock.now
    /// The request's server span, when tracing.
    let span: TraceSpan?
    private let facts = Mutex(Facts())
    /// Set once: the first ``end()`` tells the story, later calls do nothing.
    private let ended = Atomic<Bool>(false)

    init(span: TraceSpan? = nil) {
        self.span = span
    }

    /// Changes what is known about the request.
    func update(_ change: (inout Facts) -> Void) {
        facts.withLock { change(&$0) }
    }

    /// Adds an attempt's usage record.
    func add(_ record: UsageRecord) {
        facts.withLock { $0.records.append(record) }
    }

    /// Attempts handed to providers so far.
    var attempts: Int { facts.withLock { $0.attempts } }

    /// Adds the time since `start` to the time spent waiting on providers.
    func waited(since start: ContinuousClock.Instant) {
        let waited = ContinuousClock.now - start
        facts.withLock { $0.upstreamWait += waited }
    }

    /// The facts as they stand; nil after the trail has ended (so it is told once).
    func end() -> Facts? {
        guard !ended.exchange(true, ordering: .acquiringAndReleasing) else { return nil }
        return facts.withLock { $0 }
    }
}

/// Why the gateway answered without calling a provider: `policy` (403: a policy or the key's
/// allowed routes), `budget` (a budget is spent), `limit` (a rate or token limit), `unfit` (no
/// target can take the request: unknown model, too long, a missing feature), `unavailable`
/// (every target out for now, or the ledger).
enum RefusalReason: String, Sendable {
    case policy, budget, limit, unfit, unavailable

    init(_ refusal: GatewayError) {
        self =
            switch (refusal.status, refusal.code) {
            case (403, _): .policy
            case (429, "insufficient_quota"): .budget
            case (429, _): .limit
            case (400..<500, _): .unfit
            default: .unavailable
            }
    }
}

extension RequestTrail.Facts {
    /// How the request ended, from the client's side: `completed` (first attempt answered),
    /// `fallback` (answered after another target failed), `hedged` (answered by a race),
    /// `refused` (no provider called), `failed` (every attempt failed), `client_gone`,
    /// `interrupted` (a stream broke off), `rejected` (the client's request was refused before
    /// routing: a bad key, body or path).
    var outcome: String {
        if refusal != nil { return "refused" }
        guard let last = final else { return attempts > 0 ? "failed" : "rejected" }
        switch last.outcome {
        case .completed:
            if hedged { return "hedged" }
            return attempts > 1 ? "fallback" : "completed"
        case .clientGone: return "client_gone"
        case .interrupted: return "interrupted"
        case .failed, .cancelled, .refused: return "failed"
        }
    }

    /// The attempt that answered, or else the last one to end: what the log line, metrics and
    /// span tell of it, read in place (a whole record's copy cost more than all of them).
    var final: (provider: String, model: String, ttftMilliseconds: Int?, outcome: UsageRecord.Outcome)? {
        guard let index = records.lastIndex(where: { $0.outcome != .cancelled && $0.outcome != .failed }) ?? records.indices.last
        else { return nil }
        return (records[index].provider, records[index].model, records[index].ttftMilliseconds, records[index].outcome)
    }

    /// Tokens and cost summed over every attempt (a failed attempt's are usually none).
    var usage: TokenUsage { TokenUsage.sum(records.map(\.usage)) }

    /// The reporting currency's nano-units summed over attempts; nil when no record priced.
    var reportingCostNanos: Int64? {
        let priced = records.compactMap(\.reportingCostNanos)
        return priced.isEmpty ? nil : priced.reduce(0) { $0.saturatingAdding($1) }
    }
}
