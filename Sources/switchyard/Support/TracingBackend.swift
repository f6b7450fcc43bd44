import GatewayConfig
import GatewayServer
import Logging
import OTel
import ServiceLifecycle

/// The OTLP/HTTP trace exporter for `telemetry:` (swift-otel), held by the gateway rather than
/// bootstrapped process-wide. Spans leave in batches; `OTEL_*` environment variables override
/// these settings as OpenTelemetry specifies.
enum TracingBackend {
    /// The tracer and the service that exports its spans; nil when `telemetry:` names no endpoint.
    static func make(_ settings: TelemetrySettings, logger: Logger) throws -> (GatewayTracing, any Service)? {
        guard let url = settings.tracesURL else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = settings.serviceName
        configuration.diagnosticLogger = .custom(logger)
        configuration.metrics.enabled = false
        configuration.logs.enabled = false
        configuration.traces.enabled = true
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.endpoint = url
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        // A caller's sampled trace is always followed; the ratio decides the rest.
        configuration.traces.sampler = .parentBasedTraceIDRatio(ratio: settings.sampleRatio) ?? .parentBasedAlwaysOn
        // Spans reach the collector within a second or two of their request.
        configuration.traces.batchSpanProcessor.scheduleDelay = .seconds(1)
        let (tracer, service) = try OTel.makeTracingBackend(configuration: configuration)
        logger.notice("tracing: spans go to \(url) (sample ratio \(settings.sampleRatio))")
        return (GatewayTracing(tracer: tracer), service)
    }
}
