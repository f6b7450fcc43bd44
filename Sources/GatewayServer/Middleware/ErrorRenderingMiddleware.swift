import Dialects
import GatewayModel
public import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// The one place errors become responses: every failure leaves in the caller's dialect
/// (`Request.callerDialect`) — with its status,
/// `Retry-After` when known, and the request id; never a stack trace or a secret.
///
/// Outermost, it also sees every answer leave, as the client gets it: so each request's
/// ``RequestTrail`` begins and ends here (a middleware of its own cost ~8 µs a request).
public struct ErrorRenderingMiddleware: RouterMiddleware {
    public typealias Context = GatewayRequestContext

    /// The body limit in force, for the 413 message.
    let maxBodyBytes: Int
    /// Tells each request's story when it ends (``RequestTelemetry``); nil: none is told.
    let telemetry: RequestTelemetry?

    public init(maxBodyBytes: Int, telemetry: RequestTelemetry? = nil) {
        self.maxBodyBytes = maxBodyBytes
        self.telemetry = telemetry
    }

    public func handle(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let telemetry else { return try await answer(request, context: context, next: next) }
        var context = context
        let trail = telemetry.begin(request)
        context.trail = trail
        return telemetry.finish(
            try await answer(request, context: context, next: next), of: trail, request: request, logger: context.logger)
    }

    private func answer(
        _ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let gatewayError = Self.gatewayError(for: error, request: request, maxBodyBytes: maxBodyBytes)
            // The request's log line carries the message; a fault of the gateway's own is logged as one.
            context.trail?.update { $0.errorMessage = gatewayError.message }
            if gatewayError.status >= 500 {
                context.logger.error(
                    "request failed",
                    metadata: [
                        "status": "\(gatewayError.status)", "error": "\(gatewayError.message)", "path": "\(request.uri.path)",
                    ])
            }
            response = Self.response(for: gatewayError, dialect: request.callerDialect)
        }
        response.headers[.switchyardRequestID] = context.requestID
        return response
    }

    static func gatewayError(for error: any Error, request: Request, maxBodyBytes: Int) -> GatewayError {
        switch error {
        case let error as GatewayError:
            return error
        case let error as HTTPParserError:
            // The body's framing broke mid-request (a bad chunk size, a short body): the client's fault.
            return .invalidRequest(
                "The request body is not valid HTTP/1.1: \(HTTPProtocolHandler.cause(of: error)).", code: "invalid_http_request")
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .notFound(path: request.uri.path)
            case .methodNotAllowed: return .methodNotAllowed(request.method.rawValue, path: request.uri.path)
            case .contentTooLarge: return .payloadTooLarge(limit: maxBodyBytes)
            default:
                return GatewayError(
                    kind: error.status.code >= 500 ? .internal : .invalidRequest, status: error.status.code,
                    message: error.body ?? error.status.reasonPhrase)
            }
        default:
            return .internalError()
        }
    }

    static func response(for error: GatewayError, dialect: WireFormat = .openAI) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let retryAfter = error.retryAfterSeconds { headers[.retryAfter] = String(retryAfter) }
        let bytes =
            switch dialect {
            case .openAI: OpenAIErrorFormat.body(for: error)
            case .anthropic: AnthropicErrorFormat.body(for: error)
            case .gemini: GeminiErrorFormat.body(for: error)
            case .cohere, .dashscope: CohereErrorFormat.body(for: error)
            }
        let body = ByteBuffer(bytes: bytes)
        return Response(status: .init(code: error.status), headers: headers, body: .init(byteBuffer: body))
    }
}
