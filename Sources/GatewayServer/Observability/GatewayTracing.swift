import GatewayModel
import HTTPTypes
import Hummingbird
import Instrumentation
import Metering
import Synchronization
public import Tracing

/// Traces (`telemetry:` in config; off by default): a server span per request, one client span
/// per provider attempt under it — a fallback or a hedge shows as siblings — with OpenTelemetry's
/// GenAI attributes. The caller's W3C `traceparent` is the server span's parent, and each attempt
/// passes its own span on to the provider, so a trace runs app → gateway → provider.
///
/// Holds the tracer it is given (swift-otel's, built by `serve`), not the process-wide one, like
/// ``GatewayMetrics`` holds its registry. Prompt and answer text are never recorded.
public struct GatewayTracing: Sendable {
    let tracer: any Tracer

    public init(tracer: any Tracer) {
        self.tracer = tracer
    }

    /// The server span of a request arriving with `headers` (its `traceparent`, if any, is the parent).
    func startRequest(_ request: Request) -> TraceSpan {
        var context = InstrumentationContext.topLevel
        tracer.extract(request.headers, into: &context, using: HTTPFieldsExtractor())
        let span = tracer.startSpan("\(request.method.rawValue) \(request.uri.path)", context: context, ofKind: .server)
        span.attributes["http.request.method"] = request.method.rawValue
        span.attributes["url.path"] = request.uri.path
        return TraceSpan(span)
    }

    /// A client span for one attempt under `parent`, and the headers that carry it to the provider.
    func startAttempt(
        under parent: TraceSpan, operation: String, provider: String, model: String, number: Int
    ) -> (TraceSpan, [(name: String, value: String)]) {
        let operationName = GatewayMetrics.operationName(operation)
        let span = tracer.startSpan("\(operationName) \(model)", context: parent.span.context, ofKind: .client)
        span.attributes["gen_ai.operation.name"] = operationName
        span.attributes["gen_ai.provider.name"] = provider
        span.attributes["gen_ai.request.model"] = model
        span.attributes["switchyard.attempt"] = number
        var headers: [(name: String, value: String)] = []
        tracer.inject(span.context, into: &headers, using: HeaderPairsInjector())
        return (TraceSpan(span), headers)
    }
}

/// A span ended once, whichever path gets there first (an attempt ends when its usage is
/// recorded, or when it fails before any answer).
final class TraceSpan: Sendable {
    let span: any Span
    private let ended = Atomic<Bool>(false)

    init(_ span: any Span) {
        self.span = span
    }

    /// Sets the attributes `describe` gives, then ends the span; later calls do nothing.
    func end(_ describe: (any Span) -> Void) {
        guard !ended.exchange(true, ordering: .acquiringAndReleasing) else { return }
        describe(span)
        span.end()
    }
}

extension TraceSpan {
    /// Ends an attempt's span as its usage record says it went (and why the answer ended, when known).
    func end(_ record: UsageRecord, finishReason: String? = nil) {
        end { span in
            if let finishReason { span.attributes["gen_ai.response.finish_reasons"] = [finishReason] }
            span.attributes["gen_ai.response.model"] = record.model
            span.attributes["gen_ai.usage.input_tokens"] = record.inputTokens
            span.attributes["gen_ai.usage.output_tokens"] = record.outputTokens
            span.attributes["http.response.status_code"] = record.status
            span.attributes["switchyard.outcome"] = record.outcome.rawValue
            if record.outcome != .completed {
                span.attributes["error.type"] = record.outcome.rawValue
                span.setStatus(SpanStatus(code: .error))
            }
        }
    }

    /// Ends an attempt's span that failed before the provider answered (unreachable, timed out).
    func end(failure: String, status: Int?) {
        end { span in
            if let status { span.attributes["http.response.status_code"] = status }
            span.attributes["error.type"] = failure
            span.setStatus(SpanStatus(code: .error))
        }
    }

    /// Ends a request's server span with what its trail says.
    func end(_ facts: RequestTrail.Facts, status: Int) {
        end { span in
            span.attributes["http.response.status_code"] = status
            span.attributes["switchyard.outcome"] = facts.outcome
            if !facts.requestedModel.isEmpty { span.attributes["gen_ai.request.model"] = facts.requestedModel }
            if !facts.operation.isEmpty { span.attributes["gen_ai.operation.name"] = GatewayMetrics.operationName(facts.operation) }
            if !facts.route.isEmpty {
                span.attributes["switchyard.route"] = facts.route
                span.attributes["switchyard.strategy"] = facts.strategy
            }
            if !facts.tenant.isEmpty { span.attributes["switchyard.tenant"] = facts.tenant }
            if let reason = facts.refusal { span.attributes["switchyard.refusal"] = reason.rawValue }
            if facts.attempts > 0 {
                span.attributes["switchyard.attempts"] = facts.attempts
                if facts.hedged { span.attributes["switchyard.hedged"] = true }
                if let final = facts.final {
                    span.attributes["gen_ai.provider.name"] = final.provider
                    span.attributes["gen_ai.response.model"] = final.model
                }
                if let reason = facts.finishReason { span.attributes["gen_ai.response.finish_reasons"] = [reason] }
                let usage = facts.usage
                span.attributes["gen_ai.usage.input_tokens"] = usage.input
                span.attributes["gen_ai.usage.output_tokens"] = usage.output
            }
            if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
        }
    }
}

/// Reads `traceparent` and `tracestate` from a request's headers.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { carrier[$0] }
    }
}

/// Writes `traceparent` (and `tracestate`) as header pairs for the upstream request.
struct HeaderPairsInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [(name: String, value: String)]) {
        carrier.append((name: key, value: value))
    }
}
