/// Every failure the gateway answers a client with.
///
/// One type, so one place (per dialect) renders it: the status, the machine-readable
/// kind and a message safe to show — never a provider key or a virtual key.
/// A struct over a private enum, as swift-nio does, so new kinds don't break callers.
public struct GatewayError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case invalidRequest = "invalid_request_error"
        case authentication = "authentication_error"
        case permission = "permission_error"
        case notFound = "not_found_error"
        case payloadTooLarge = "request_too_large"
        case unsupportedMediaType = "unsupported_media_type"
        case rateLimited = "rate_limit_error"
        /// A budget is spent (OpenAI's `insufficient_quota`).
        case insufficientQuota = "insufficient_quota"
        case upstream = "upstream_error"
        case upstreamTimeout = "timeout_error"
        case unavailable = "service_unavailable"
        case `internal` = "internal_error"
    }

    public let kind: Kind
    public let status: Int
    public let message: String
    /// The request field at fault, when there is one (`model`, `messages[2].content`).
    public let parameter: String?
    /// A stable code clients can switch on (`model_not_found`, `invalid_api_key`).
    public let code: String?
    /// Seconds a client should wait before retrying (429/503).
    public let retryAfterSeconds: Int?

    public init(
        kind: Kind, status: Int, message: String, parameter: String? = nil, code: String? = nil,
        retryAfterSeconds: Int? = nil
    ) {
        self.kind = kind
        self.status = status
        self.message = message
        self.parameter = parameter
        self.code = code
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(status) \(kind.rawValue): \(message)" }
}

extension GatewayError {
    public static func invalidRequest(_ message: String, parameter: String? = nil, code: String? = nil) -> Self {
        .init(kind: .invalidRequest, status: 400, message: message, parameter: parameter, code: code)
    }

    public static func invalidJSON(_ detail: String) -> Self {
        .invalidRequest("The request body is not valid JSON: \(detail).", code: "invalid_json")
    }

    public static let missingAPIKey = GatewayError(
        kind: .authentication, status: 401,
        message: "No API key provided. Send your Switchyard key as 'Authorization: Bearer <key>'.",
        code: "missing_api_key")

    public static let invalidAPIKey = GatewayError(
        kind: .authentication, status: 401,
        message: "Incorrect API key provided. Create one with 'switchyard keys create --tenant <name>'.",
        code: "invalid_api_key")

    public static func modelNotFound(_ model: String) -> Self {
        .init(
            kind: .notFound, status: 404,
            message: "The model '\(model)' is not a route, a 'provider/model', or a model any configured provider serves.",
            parameter: "model", code: "model_not_found")
    }

    public static func notFound(message: String) -> Self {
        .init(kind: .notFound, status: 404, message: message, code: "unknown_url")
    }

    public static func notFound(path: String) -> Self {
        .init(kind: .notFound, status: 404, message: "No such endpoint: \(path).", code: "unknown_url")
    }

    public static func payloadTooLarge(limit: Int) -> Self {
        .init(
            kind: .payloadTooLarge, status: 413,
            message: "The request body is larger than the gateway's limit of \(limit) bytes.", code: "request_too_large")
    }

    public static func unsupportedMediaType(_ contentType: String?) -> Self {
        .init(
            kind: .unsupportedMediaType, status: 415,
            message: "Content-Type must be application/json, got '\(contentType ?? "none")'.",
            code: "unsupported_media_type")
    }

    public static func upstreamFailed(_ message: String) -> Self {
        .init(kind: .upstream, status: 502, message: message, code: "upstream_error")
    }

    public static func upstreamTimeout(_ message: String) -> Self {
        .init(kind: .upstreamTimeout, status: 504, message: message, code: "upstream_timeout")
    }

    public static func rateLimited(_ message: String, retryAfterSeconds: Int?) -> Self {
        .init(
            kind: .rateLimited, status: 429, message: message, code: "rate_limit_exceeded",
            retryAfterSeconds: retryAfterSeconds)
    }

    /// A budget can't cover the request's maximum cost.
    public static func budgetExceeded(_ message: String, retryAfterSeconds: Int? = nil) -> Self {
        .init(
            kind: .insufficientQuota, status: 429, message: message, code: "insufficient_quota",
            retryAfterSeconds: retryAfterSeconds)
    }

    /// No target may serve the request under the policies that apply.
    public static func forbiddenByPolicy(_ message: String) -> Self {
        .init(kind: .permission, status: 403, message: message, code: "policy_violation")
    }

    public static func unavailable(_ message: String, retryAfterSeconds: Int? = nil) -> Self {
        .init(kind: .unavailable, status: 503, message: message, code: "service_unavailable", retryAfterSeconds: retryAfterSeconds)
    }

    public static func methodNotAllowed(_ method: String, path: String) -> Self {
        .init(kind: .invalidRequest, status: 405, message: "\(method) is not allowed on \(path).", code: "method_not_allowed")
    }

    public static func internalError(_ message: String = "The gateway failed unexpectedly; see its log for the request id.") -> Self {
        .init(kind: .internal, status: 500, message: message, code: "internal_error")
    }
}
