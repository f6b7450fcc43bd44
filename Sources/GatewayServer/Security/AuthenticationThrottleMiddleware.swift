import GatewayModel
public import Hummingbird

/// Applies ``FailedAuthenticationThrottle`` to every endpoint: an address out of attempts gets
/// 429 before anything else is done; a wrong key (virtual or admin) counts against it.
public struct AuthenticationThrottleMiddleware: RouterMiddleware {
    public typealias Context = GatewayRequestContext

    let throttle: FailedAuthenticationThrottle
    let metrics: GatewayMetrics?

    public func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws
        -> Response
    {
        // The console throttles its own sign-in, and answers in HTML (its other pages take a session, not a key).
        if request.uri.path.hasPrefix("/console") { return try await next(request, context) }
        if let seconds = throttle.retryAfter(for: context.clientAddress) {
            throw GatewayError.rateLimited(
                "Too many failed authentication attempts from this address; retry in \(seconds) s.", retryAfterSeconds: seconds)
        }
        do {
            return try await next(request, context)
        } catch let error as GatewayError where error.status == 401 {
            if let (credential, reason) = Self.failures[error.code ?? ""] {
                metrics?.recordAuthenticationFailure(credential: credential, reason: reason)
            }
            if Self.guesses.contains(error.code ?? "") { throttle.recordFailure(from: context.clientAddress) }
            throw error
        }
    }

    /// Each 401's credential and why, for `switchyard_authentication_failures_total`.
    static let failures: [String: (credential: String, reason: String)] = [
        "missing_api_key": ("virtual_key", "missing"), "invalid_api_key": ("virtual_key", "invalid"),
        "invalid_admin_key": ("admin_key", "invalid"), "invalid_metrics_token": ("metrics_token", "invalid"),
    ]

    /// A key was presented and was wrong (a missing key is not a guess).
    static let guesses: Set<String> = ["invalid_api_key", "invalid_admin_key"]
}
