import GatewayModel
public import Hummingbird
import Logging

/// Gives every request a ``RequestTrail`` and tells its story when the last byte of the answer
/// is written: a streamed answer's trail ends with its stream, every other one when the
/// response leaves. Outermost, so it sees the status the client really got.
public struct RequestTelemetryMiddleware: RouterMiddleware {
    public typealias Context = GatewayRequestContext

    let telemetry: RequestTelemetry

    public init(telemetry: RequestTelemetry) {
        self.telemetry = telemetry
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let trail = telemetry.begin(request)
        var context = context
        context.trail = trail
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // The error renderer answers every error; this is only a failure to answer at all.
            telemetry.end(trail, status: 500, request: request, answeredAfter: .now - trail.started, logger: context.logger)
            throw error
        }
        let answeredAfter = ContinuousClock.now - trail.started
        guard response.headers[.contentType] == "text/event-stream" else {
            telemetry.end(trail, status: response.status.code, request: request, answeredAfter: answeredAfter, logger: context.logger)
            return response
        }
        var streamed = response
        let (body, logger) = (response.body, context.logger)
        streamed.body = ResponseBody { writer in
            defer {
                telemetry.end(trail, status: response.status.code, request: request, answeredAfter: answeredAfter, logger: logger)
            }
            try await body.write(writer)
        }
        return streamed
    }
}
