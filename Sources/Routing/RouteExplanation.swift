import GatewayConfig
public import GatewayModel

/// Why a request would go where it goes: every candidate of its route with its expected cost,
/// measured latency, circuit state and the rule that kept or dropped it — the same planner,
/// with a printer. Used by `switchyard route explain` and `POST /admin/route/explain`.
public struct RouteExplanation: Sendable, Hashable {
    public struct Candidate: Sendable, Hashable {
        public var reference: ModelReference
        /// In the reporting currency; nil when the price doesn't convert.
        public var expectedCost: Double?
        /// The band of a tiered price the request is expected to be billed in (`200000+`).
        public var priceTier: String?
        public var measuredLatencyMilliseconds: Double?
        /// The circuit breaker's state; nil when explained from configuration alone.
        public var health: String?
        /// 1 for the target tried first, 2 for the first fallback…; nil when left out.
        public var attempt: Int?
        /// Why it was left out (policy rule, capability, unavailable provider).
        public var excludedBecause: String?
    }

    public var routeName: String
    public var strategy: String
    public var reportingCurrency: String
    public var candidates: [Candidate]
    /// What the policies do with personal data in the prompt.
    public var personalData: PersonalDataRule
    public var hedgeAfterMilliseconds: Int?
    /// An embedding route's space (one per route: the configuration refuses a mix).
    public var embeddingSpace: String?

    /// The target tried first, if any.
    public var chosen: ModelReference? { candidates.first { $0.attempt == 1 }?.reference }
}

extension RoutePlanner {
    /// The decision for `request`, laid out for an operator; nil when its model names nothing.
    /// The same ``plan(for:latencies:circuits:)`` the proxy follows: with `circuits`, targets
    /// whose circuit is open are left out exactly as the proxy leaves them out.
    ///
    /// The request is taken to be of the kind the named model serves (an embedding route is
    /// explained for an embeddings request; a route's targets are all of one kind); a rerank
    /// request is billed at least one search.
    public func explain(
        _ request: RouteRequest, latencies: LatencySnapshot = .empty, circuits: CircuitSnapshot? = nil
    ) -> RouteExplanation? {
        let named = candidates(for: request.model) ?? []
        var request = request
        request.kind = named.first?.offering.kind ?? request.kind
        if request.kind == .rerank { request.searches = max(request.searches, 1) }
        guard let plan = plan(for: request, latencies: latencies, circuits: circuits ?? .allClosed) else { return nil }
        let route = configuration.route(named: request.model)
        var candidates: [RouteExplanation.Candidate] = []
        for (position, target) in plan.targets.enumerated() {
            candidates.append(
                RouteExplanation.Candidate(
                    reference: target.reference, expectedCost: expectedCost(of: target, for: request, route: route),
                    priceTier: target.offering.price.isTiered
                        ? target.offering.price.label(ofTier: tier(of: target, for: request)) : nil,
                    measuredLatencyMilliseconds: latencies[target.reference]?.average,
                    health: circuits?.status(of: target.reference).description, attempt: position + 1))
        }
        for excluded in plan.excluded {
            candidates.append(
                .init(
                    reference: excluded.reference, measuredLatencyMilliseconds: latencies[excluded.reference]?.average,
                    health: circuits?.status(of: excluded.reference).description, excludedBecause: excluded.reason.description))
        }
        let space = named.lazy.compactMap(\.offering.embeddingSpace).first
        return RouteExplanation(
            routeName: plan.routeName, strategy: plan.strategy.rawValue,
            reportingCurrency: configuration.currency.reportingCurrency, candidates: candidates,
            personalData: plan.personalData, hedgeAfterMilliseconds: plan.hedgeAfterMilliseconds, embeddingSpace: space)
    }
}
