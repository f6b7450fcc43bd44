public import GatewayConfig
public import GatewayModel

/// One provider model a request may be sent to, with everything needed to call and bill it.
public struct RouteTarget: Sendable, Hashable {
    public var reference: ModelReference
    public var provider: ProviderConfiguration
    public var offering: ModelOffering

    public init(provider: ProviderConfiguration, offering: ModelOffering) {
        self.reference = ModelReference(provider: provider.name, model: offering.name)
        self.provider = provider
        self.offering = offering
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
    /// The policy rules that left targets out, in candidate order (a subset of `excluded`'s
    /// reasons): when no target is left, the last one is the 403's message.
    public var policyRefusals: [String] = []

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
