import GatewayModel
public import Hummingbird

/// Applies ``FailedAuthenticationThrottle`` to every endpoint: an address out of attempts gets
/// 429 before anything else is done; a wrong key (virtual or admin) counts against it.
public struct AuthenticationThrottleMiddleware: RouterMiddleware {
    public typealias Context = GatewayRequestContext

    let throttle: FailedAuthenticationThrottle

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let seconds = throttle.retryAfter(for: context.clientAddress) {
            throw GatewayError.rateLimited(
                "Too many failed authentication attempts from this address; retry in \(seconds) s.", retryAfterSeconds: seconds)
        }
        do {
            return try await next(request, context)
        } catch let error as GatewayError where error.status == 401 && Self.guesses.contains(error.code ?? "") {
            throttle.recordFailure(from: context.clientAddress)
            throw error
        }
    }

    /// A key was presented and was wrong (a missing key is not a guess).
    static let guesses: Set<String> = ["invalid_api_key", "invalid_admin_key"]
}
