public import GatewayConfig
public import GatewayModel

/// One provider model a request may be sent to, with everything needed to call and bill it.
///
/// A handle on an immutable record: plans copy targets per request, and a copy is one
/// reference count, not the provider's whole configuration.
public struct RouteTarget: Sendable, Hashable {
    private final class Record: Sendable {
        let reference: ModelReference
        let provider: ProviderConfiguration
        let offering: ModelOffering
        let slot: Int

        init(provider: ProviderConfiguration, offering: ModelOffering, slot: Int) {
            self.reference = ModelReference(provider: provider.name, model: offering.name)
            self.provider = provider
            self.offering = offering
            self.slot = slot
        }
    }

    private let record: Record

    public var reference: ModelReference { record.reference }
    public var provider: ProviderConfiguration { record.provider }
    public var offering: ModelOffering { record.offering }
    /// Position in the planner's table of every target (-1 outside a planner): lets a
    /// decision read precomputed prices and policy verdicts without hashing names.
    var slot: Int { record.slot }
    // Read straight from the record on the hot path, without copying whole configurations.
    var providerName: String { record.reference.provider }
    var capabilities: Set<ModelCapability> { record.offering.capabilities }
    var contextTokens: Int? { record.offering.contextTokens }

    public init(provider: ProviderConfiguration, offering: ModelOffering) {
        self.init(provider: provider, offering: offering, slot: -1)
    }

    init(provider: ProviderConfiguration, offering: ModelOffering, slot: Int) {
        self.record = Record(provider: provider, offering: offering, slot: slot)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.record === rhs.record
            || (lhs.reference == rhs.reference && lhs.provider == rhs.provider && lhs.offering == rhs.offering)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(reference)
    }
}

/// The ordered attempts for one request: try `targets[0]`, fall back to the next on a retryable failure.
public struct RoutePlan: Sendable, Hashable {
    /// The route's name, or the requested `provider/model` / model name when no route matched.
    public var routeName: String
    public var targets: [RouteTarget]
    /// Targets left out, with why (e.g. the provider's key is not set) — for errors, logs and explain.
    public var excluded: [ExcludedTarget]
    /// How `targets` were ordered.
    public var strategy: RouteStrategy
    /// What the policies say about personal data in the prompt (the proxy applies it per target).
    public var personalData: PersonalDataRule = .allow
    /// The route's `hedge_after_ms`: start the next target too when the first is this slow.
    public var hedgeAfterMilliseconds: Int?
    /// The names of the policies that applied (tenant's first), for the ledger.
    public var policies: [String] = []
    /// The policy rules that left targets out, in candidate order: when no target is left,
    /// the last one is the 403's message.
    public var policyRefusals: [String] {
        excluded.compactMap { if case .policy(let rule) = $0.reason { rule } else { nil } }
    }

    public init(
        routeName: String, targets: [RouteTarget], excluded: [ExcludedTarget] = [],
        strategy: RouteStrategy = .ordered
    ) {
        self.routeName = routeName
        self.targets = targets
        self.excluded = excluded
        self.strategy = strategy
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.routeName == rhs.routeName && lhs.targets == rhs.targets
            && lhs.excluded == rhs.excluded
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(routeName)
        hasher.combine(targets)
    }
}

extension RoutePlan {
    /// What the client hears when no target is left, decided by why they were left out: a
    /// policy refusal is 403; a request no target could ever take — too long for every context
    /// window, or needing what no model has — is 400, so clients don't retry it; targets out
    /// only for now (circuits open, providers unavailable) are 503, or 429 when a provider is
    /// rate limiting, with `Retry-After` when known.
    public func refusal(model: String) -> GatewayError {
        if let rule = policyRefusals.last {
            return .forbiddenByPolicy("No target of '\(model)' is allowed: \(rule).")
        }
        let reasons = excluded.map { "\($0.reference): \($0.reason)" }.joined(separator: "; ")
        if !excluded.contains(where: \.reason.isTransient) {
            let windows = excluded.compactMap { if case .contextWindow(let limit, let needed) = $0.reason { (limit, needed) } else { nil } }
            if let needed = windows.map(\.1).min(), let largest = windows.map(\.0).max() {
                return .invalidRequest(
                    "This request needs \(needed) tokens (prompt plus max_tokens), more than any model of '\(model)' takes (largest context window: \(largest) tokens): shorten the messages or lower max_tokens.",
                    parameter: "messages", code: "context_length_exceeded")
            }
            for case .wrongKind(let kind, let wanted) in excluded.map(\.reason) {
                return .invalidRequest(
                    "'\(model)' serves \(kind.rawValue) models and this API takes \(wanted.rawValue) models: call the \(kind.rawValue) API for it, or name a route of \(wanted.rawValue) models (\(reasons)).",
                    parameter: "model", code: "model_not_supported")
            }
            for case .inputTooLong(let limit, let needed) in excluded.map(\.reason) {
                return .invalidRequest(
                    "An input of this request holds about \(needed) tokens, more than '\(model)' takes in one input (\(limit) tokens): split or shorten it.",
                    parameter: "input", code: "context_length_exceeded")
            }
            for case .fewerDimensions(let dimensions, let wanted) in excluded.map(\.reason) {
                return .invalidRequest(
                    "'\(model)' gives at most \(dimensions) dimensions and this request asks for \(wanted): lower 'dimensions' or leave it out (\(reasons)).",
                    parameter: "dimensions", code: "invalid_value")
            }
            for case .lacksEndpoint(let operation) in excluded.map(\.reason) {
                return operation.refusal(model: model, reasons: reasons)
            }
            if excluded.contains(where: { if case .lacks = $0.reason { true } else { false } }) {
                return .invalidRequest(
                    "No model of '\(model)' supports what this request needs (\(reasons)).", parameter: "model",
                    code: "model_not_supported")
            }
        }
        var retryAfter: Int?
        var rateLimited = false
        for case .circuitOpen(_, let seconds, let limited) in excluded.map(\.reason) {
            retryAfter = min(retryAfter ?? seconds, seconds)
            rateLimited = rateLimited || limited
        }
        if rateLimited {
            return .rateLimited("Every provider for '\(model)' is rate limiting requests (\(reasons)).", retryAfterSeconds: retryAfter)
        }
        return .unavailable("No provider for '\(model)' is available (\(reasons)).", retryAfterSeconds: retryAfter)
    }
}
