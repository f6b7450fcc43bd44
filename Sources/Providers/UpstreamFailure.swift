import Foundation
import GatewayConfig
public import GatewayModel

/// Why one attempt at a provider failed, classified for the fallback decision.
///
/// Messages name the provider but never carry its key or the upstream's raw headers.
public struct UpstreamFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Could not connect: the request never reached the provider.
        case unreachable
        /// Connected and sent, then the provider closed or reset the connection before its
        /// answer was whole: the attempt reached it (and is billed as a failed one).
        case connectionLost
        /// No response head (or no first byte) within the read timeout.
        case timeout
        case rateLimited(retryAfterSeconds: Int?)
        /// 5xx from the provider.
        case serverError(status: Int)
        /// 401/403: the gateway's credentials for this provider are wrong.
        case credentialsRejected(status: Int)
        /// 404: the provider doesn't know the model (a configuration mistake).
        case modelUnknown(status: Int)
        /// Another 4xx: the request itself is at fault, so no other provider would take it either.
        case requestRejected(status: Int)
        /// A 2xx whose body isn't the wire format promised.
        case malformedResponse
    }

    public let provider: String
    public let kind: Kind
    /// Detail safe to show a client (the upstream's own error message, or the transport error).
    public let detail: String

    public init(provider: String, kind: Kind, detail: String) {
        self.provider = provider
        self.kind = kind
        self.detail = detail
    }

    /// The status the attempt ended with once it reached the provider (504 for a read timeout,
    /// 502 for a malformed answer); nil when it never did (connection failures).
    public var providerStatus: Int? {
        switch kind {
        case .unreachable: nil
        case .timeout: 504
        case .malformedResponse, .connectionLost: 502
        case .rateLimited: 429
        case .serverError(let status), .credentialsRejected(let status), .modelUnknown(let status), .requestRejected(let status):
            status
        }
    }

    /// The failure's class in snake case (`timeout`, `server_error`…): a trace's `error.type`.
    public var typeName: String {
        switch kind {
        case .unreachable: "unreachable"
        case .connectionLost: "connection_lost"
        case .timeout: "timeout"
        case .rateLimited: "rate_limited"
        case .serverError: "server_error"
        case .credentialsRejected: "credentials_rejected"
        case .modelUnknown: "model_unknown"
        case .requestRejected: "request_rejected"
        case .malformedResponse: "malformed_response"
        }
    }

    /// Whether another target may succeed where this one failed.
    public var allowsFallback: Bool {
        if case .requestRejected = kind { return false }
        return true
    }

    public var description: String { "provider \(provider): \(detail)" }

    /// The same failure with `secret` removed from its detail.
    func redacting(_ secret: Secret?) -> UpstreamFailure {
        guard let secret, secret.revealed.count >= 4, detail.contains(secret.revealed) else { return self }
        return UpstreamFailure(provider: provider, kind: kind, detail: detail.replacingOccurrences(of: secret.revealed, with: "<redacted>"))
    }

    /// The error the client sees when this was the last failure.
    public var gatewayError: GatewayError {
        switch kind {
        case .unreachable, .malformedResponse, .connectionLost:
            .upstreamFailed("Provider '\(provider)' failed: \(detail)")
        case .timeout:
            .upstreamTimeout("Provider '\(provider)' did not answer in time: \(detail)")
        case .rateLimited(let retryAfter):
            .rateLimited("Provider '\(provider)' is rate limiting requests: \(detail)", retryAfterSeconds: retryAfter)
        case .serverError(let status):
            .upstreamFailed("Provider '\(provider)' returned HTTP \(status): \(detail)")
        case .credentialsRejected(let status):
            .upstreamFailed(
                "Provider '\(provider)' rejected the gateway's credentials (HTTP \(status)); check its api_key in Routes/.")
        case .modelUnknown(let status):
            .upstreamFailed("Provider '\(provider)' does not know the requested model (HTTP \(status)): \(detail)")
        case .requestRejected(let status):
            GatewayError(
                kind: status == 413 ? .payloadTooLarge : .invalidRequest, status: status,
                message: "Provider '\(provider)' rejected the request: \(detail)", code: "upstream_rejected")
        }
    }
}
