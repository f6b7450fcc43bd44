import GatewayModel
import Hummingbird
import Logging
import Metering

/// What is told once per request when it ends: the request log line (what operators ship to
/// Loki or Elasticsearch — no secret, no prompt or answer text) and the per-request metrics.
///
/// One for the process (like ``GatewayMetrics``, it outlives configuration reloads).
public struct RequestTelemetry: Sendable {
    let metrics: GatewayMetrics?
    let tracing: GatewayTracing?

    public init(metrics: GatewayMetrics?, tracing: GatewayTracing?) {
        self.metrics = metrics
        self.tracing = tracing
    }

    /// A trail for `request`, with its server span when tracing.
    func begin(_ request: Request) -> RequestTrail {
        RequestTrail(span: tracing?.startRequest(request))
    }

    /// Paths probed by load balancers and Prometheus: a line per probe would bury the requests
    /// (their failures are still logged).
    static let probePaths: Set<String> = ["/healthz", "/readyz", "/metrics"]

    /// `response`, its trail ended now — or, for a stream, when the stream's last byte is written.
    func finish(_ response: Response, of trail: RequestTrail, request: Request, logger: Logger) -> Response {
        let answeredAfter = ContinuousClock.now - trail.started
        guard response.headers.value(of: .contentType) == "text/event-stream" else {
            end(trail, status: response.status.code, request: request, answeredAfter: answeredAfter, logger: logger)
            return response
        }
        var streamed = response
        let (body, status) = (response.body, response.status.code)
        streamed.body = ResponseBody { writer in
            defer { end(trail, status: status, request: request, answeredAfter: answeredAfter, logger: logger) }
            try await body.write(writer)
        }
        return streamed
    }

    /// Ends `trail` (once) with the status the client got; `answeredAfter` is the time to the
    /// response head (a JSON answer is whole by then), from which the gateway's overhead is taken.
    func end(_ trail: RequestTrail, status: Int, request: Request, answeredAfter: Duration, logger: Logger) {
        guard let facts = trail.end() else { return }
        let total = ContinuousClock.now - trail.started
        // The gateway's own time: to the answer's head, less the waits on providers. A hedged
        // request's waits overlap, so it has none to report.
        let overhead: Duration? = facts.attempts > 0 && !facts.hedged ? max(.zero, answeredAfter - facts.upstreamWait) : nil
        metrics?.recordRequest(facts, overhead: overhead)
        trail.span?.end(facts, status: status)
        guard logger.logLevel <= .info else { return }
        let path = request.uri.path
        guard status >= 400 || !Self.probePaths.contains(path) else { return }
        logger.info("request", metadata: Self.line(facts, status: status, method: request.method.rawValue, path: path, total: total))
    }

    /// The request log line's fields (`--log-format json` writes them as one JSON object).
    static func line(_ facts: RequestTrail.Facts, status: Int, method: String, path: String, total: Duration) -> Logger.Metadata {
        var line: Logger.Metadata = [
            "method": .string(method), "path": .string(path), "status": .stringConvertible(status),
            "outcome": .string(facts.outcome), "latency_ms": .stringConvertible(total.wholeMilliseconds),
        ]
        func set(_ key: String, _ value: String) { if !value.isEmpty { line[key] = .string(value) } }
        set("tenant", facts.tenant)
        set("key_id", facts.keyID)
        set("requested_model", facts.requestedModel)
        set("route", facts.route)
        set("strategy", facts.strategy)
        set("dialect", facts.dialect)
        set("operation", facts.operation)
        set("reason", facts.refusal?.rawValue ?? "")
        set("error", facts.errorMessage ?? "")
        guard facts.attempts > 0 else { return line }
        line["stream"] = .stringConvertible(facts.stream)
        line["attempts"] = .stringConvertible(facts.attempts)
        if facts.hedged { line["hedged"] = .stringConvertible(true) }
        if let final = facts.final {
            line["provider"] = .string(final.provider)
            line["model"] = .string(final.model)
            if let ttft = final.ttftMilliseconds { line["ttft_ms"] = .stringConvertible(ttft) }
        }
        let usage = facts.usage
        line["input_tokens"] = .stringConvertible(usage.input)
        line["output_tokens"] = .stringConvertible(usage.output)
        if usage.cachedInput > 0 { line["cached_input_tokens"] = .stringConvertible(usage.cachedInput) }
        let written = usage.cacheWrite5m.saturatingAdding(usage.cacheWrite1h)
        if written > 0 { line["cache_write_tokens"] = .stringConvertible(written) }
        if usage.reasoning > 0 { line["reasoning_tokens"] = .stringConvertible(usage.reasoning) }
        if let nanos = facts.reportingCostNanos, let currency = facts.records.first?.reportingCurrency {
            line["cost"] = .string(Money.text(nanos: nanos))
            line["currency"] = .string(currency)
        }
        return line
    }
}
