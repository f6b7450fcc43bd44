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
    /// Targets left out, with why (e.g. the provider's key is not set) — for logs and explain.
    public var excluded: [(reference: ModelReference, reason: String)]
    /// How `targets` were ordered.
    public var strategy: RouteStrategy
    /// What the policies say about personal data in the prompt (the proxy applies it per target).
    public var personalData: PersonalDataRule = .allow
    /// The route's `hedge_after_ms`: start the next target too when the first is this slow.
    public var hedgeAfterMilliseconds: Int?
    /// The names of the policies that applied (tenant's first), for the ledger.
    public var policies: [String] = []
    /// The policy rules that left targets out, in candidate order (the `excluded` reasons a
    /// policy gave): when no target is left, the last one is the 403's message.
    public var policyRefusals: [String] {
        excluded.lazy.map(\.reason).filter { $0.hasPrefix(PolicyCheck.reasonPrefix) }
    }

    public init(
        routeName: String, targets: [RouteTarget], excluded: [(reference: ModelReference, reason: String)] = [],
        strategy: RouteStrategy = .ordered
    ) {
        self.routeName = routeName
        self.targets = targets
        self.excluded = excluded
        self.strategy = strategy
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.routeName == rhs.routeName && lhs.targets == rhs.targets
            && lhs.excluded.map(\.reference) == rhs.excluded.map(\.reference)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(routeName)
        hasher.combine(targets)
    }
}
