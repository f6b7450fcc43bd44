public import GatewayModel

/// Why routing left a candidate out of a plan. Typed, so the proxy's answer for a request no
/// target may serve — and `route explain`'s reading of it — follow from the reason itself,
/// never from the wording.
public enum Exclusion: Sendable, Hashable, CustomStringConvertible {
    /// A policy rule the target breaks (`pii: block` included): the operator's decision.
    case policy(rule: String)
    /// The provider can't be called (its key variable is unset, no client is configured).
    case providerUnavailable(String)
    /// The model lacks a capability the request needs.
    case lacks([ModelCapability])
    /// The request needs a provider's own endpoint for an operation (`completions`,
    /// `responses`), which this provider doesn't declare (`completions: true`, `responses: true`).
    case lacksEndpoint(UpstreamOperation)
    /// The model is of another kind than the request is for (an embedding model, a chat request).
    case wrongKind(ModelKind, wanted: ModelKind)
    /// The embedding model gives fewer dimensions than the request asks for.
    case fewerDimensions(Int, wanted: Int)
    /// The prompt and the output limit don't fit the model's context window.
    case contextWindow(limit: Int, needed: Int)
    /// The circuit breaker is skipping the target for now.
    case circuitOpen(reason: String, retryAfterSeconds: Int, rateLimited: Bool)
    /// An embeddings input doesn't fit the model's context on its own.
    case inputTooLong(limit: Int, needed: Int)
    /// Past the route's `max_attempts`.
    case beyondMaxAttempts(Int)

    public var description: String {
        switch self {
        case .policy(let rule): rule
        case .providerUnavailable(let reason): reason
        case .lacks(let capabilities): "lacks \(capabilities.map(\.rawValue).sorted().joined(separator: ", "))"
        case .lacksEndpoint(let operation): "no \(operation.rawValue) endpoint (\(operation.rawValue): true)"
        case .wrongKind(let kind, let wanted): "\(kind.article) \(kind.rawValue) model, not \(wanted.rawValue)"
        case .fewerDimensions(let dimensions, let wanted): "gives \(dimensions) dimensions < \(wanted) asked for"
        case .contextWindow(let limit, let needed): "context window \(limit) < \(needed) tokens needed"
        case .inputTooLong(let limit, let needed): "an input of about \(needed) tokens > \(limit) per input"
        case .circuitOpen(let reason, _, _): "circuit \(reason)"
        case .beyondMaxAttempts(let count): "beyond max_attempts (\(count))"
        }
    }

    /// Whether the same request could be served later without anyone changing the
    /// configuration (a circuit closes; a provider whose key is unset stays out until it's set,
    /// which is the operator's to fix, so it counts as passing too — 503, not 400).
    var isTransient: Bool {
        switch self {
        case .circuitOpen, .providerUnavailable: true
        case .policy, .lacks, .lacksEndpoint, .wrongKind, .fewerDimensions, .contextWindow, .inputTooLong,
            .beyondMaxAttempts:
            false
        }
    }
}

/// One candidate left out, and why.
public struct ExcludedTarget: Sendable, Hashable {
    public var reference: ModelReference
    public var reason: Exclusion

    public init(_ reference: ModelReference, _ reason: Exclusion) {
        self.reference = reference
        self.reason = reason
    }
}

extension ModelKind {
    /// "a" or "an", for the sentences that name a kind.
    var article: String { self == .embedding ? "an" : "a" }
}
