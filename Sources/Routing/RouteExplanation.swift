import GatewayConfig
public import GatewayModel

/// Why a request would go where it goes: every candidate of its route with its expected cost,
/// measured latency and the rule that kept or dropped it — the same planner, with a printer.
public struct RouteExplanation: Sendable, Hashable {
    public struct Candidate: Sendable, Hashable {
        public var reference: ModelReference
        /// In the reporting currency; nil when the price doesn't convert.
        public var expectedCost: Double?
        public var measuredLatencyMilliseconds: Double?
        /// 1 for the target tried first, 2 for the first fallback…; nil when left out.
        public var attempt: Int?
        /// Why it was left out (policy rule, capability, unavailable provider).
        public var excludedBecause: String?
    }

    public var routeName: String
    public var strategy: String
    public var reportingCurrency: String
    public var candidates: [Candidate]

    /// The target tried first, if any.
    public var chosen: ModelReference? { candidates.first { $0.attempt == 1 }?.reference }
}

extension RoutePlanner {
    /// The decision for `request`, laid out for an operator; nil when its model names nothing.
    public func explain(_ request: RouteRequest, latencies: LatencySnapshot = .empty) -> RouteExplanation? {
        guard let plan = plan(for: request, latencies: latencies) else { return nil }
        let route = configuration.route(named: request.model)
        var candidates: [RouteExplanation.Candidate] = plan.targets.enumerated().map { position, target in
            .init(
                reference: target.reference, expectedCost: expectedCost(of: target, for: request, route: route),
                measuredLatencyMilliseconds: latencies[target.reference]?.average, attempt: position + 1)
        }
        for (reference, reason) in plan.excluded {
            candidates.append(.init(reference: reference, measuredLatencyMilliseconds: latencies[reference]?.average, excludedBecause: reason))
        }
        return RouteExplanation(
            routeName: plan.routeName, strategy: plan.strategy.rawValue,
            reportingCurrency: configuration.currency.reportingCurrency, candidates: candidates)
    }
}
