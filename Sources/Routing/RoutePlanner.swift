import Foundation
public import GatewayConfig
import GatewayModel

/// Turns a request's `model` into an ordered plan of provider models. No I/O: a pure
/// function of the configuration snapshot, so it is unit-tested alone and cheap on the hot path.
///
/// A `model` resolves, in this order, as: a route name; `provider/model`; a bare model
/// name served by one or more providers (in the order providers are configured).
public struct RoutePlanner: Sendable {
    public let configuration: GatewayConfiguration
    /// Providers that can't be called (e.g. their key variable is unset), with the reason.
    public let unavailableProviders: [String: String]

    private let routesByName: [String: RouteConfiguration]
    private let targetsByModelName: [String: [RouteTarget]]
    /// Per target slot: prices per token in the reporting currency (nil when they don't convert).
    private let unitPrices: [UnitPrices?]
    /// Each route's candidates, resolved once.
    private let routeTargets: [String: [RouteTarget]]
    private let targetsByReference: [ModelReference: RouteTarget]
    private let policiesByName: [String: PolicyVerdicts]
    /// Whether any policy says something about personal data (else no request needs reading for it).
    private let asksAboutPersonalData: Bool
    private let tenantPolicies: [String: PolicyVerdicts]

    /// A policy decided for every target once per configuration, so a request only looks
    /// verdicts up; only the latency rule needs live figures.
    final class PolicyVerdicts: Sendable {
        let name: String
        let latencySLOMilliseconds: Int?
        let personalData: PersonalDataHandling
        let restoresPersonalData: Bool
        /// `retention: none`: nothing of the tenant's or route's may be kept.
        let requiresNoRetention: Bool
        /// By target slot, then band of its price: the rule the target breaks for a request in
        /// that band, nil when it is allowed.
        let refusals: [[String?]]

        init(policy: PolicyConfiguration, refusals: [[String?]]) {
            self.name = policy.name
            self.latencySLOMilliseconds = policy.latencySLOMilliseconds
            self.personalData = policy.personalData
            self.restoresPersonalData = policy.restoresPersonalData
            self.requiresNoRetention = policy.requiresNoRetention
            self.refusals = refusals
        }
    }

    public init(configuration: GatewayConfiguration, unavailableProviders: [String: String] = [:]) {
        self.configuration = configuration
        self.unavailableProviders = unavailableProviders
        self.routesByName = Dictionary(configuration.routes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var byModel: [String: [RouteTarget]] = [:]
        var allTargets: [RouteTarget] = []
        var prices: [UnitPrices?] = []
        for provider in configuration.providers {
            for offering in provider.models {
                let target = RouteTarget(provider: provider, offering: offering, slot: allTargets.count)
                allTargets.append(target)
                byModel[offering.name, default: []].append(target)
                prices.append(UnitPrices(offering.price, conversion: configuration.currency))
            }
        }
        self.targetsByModelName = byModel
        self.unitPrices = prices
        let byReference = Dictionary(allTargets.map { ($0.reference, $0) }, uniquingKeysWith: { first, _ in first })
        self.targetsByReference = byReference
        self.routeTargets = Dictionary(
            configuration.routes.map { route in (route.name, route.targets.compactMap { byReference[$0] }) },
            uniquingKeysWith: { first, _ in first })
        let verdicts = configuration.policies.map { policy in
            PolicyVerdicts(
                policy: policy,
                refusals: allTargets.map { target in
                    target.offering.price.tiers.indices.map { tier in
                        PolicyCheck.violation(
                            of: policy, provider: target.provider, offering: target.offering, conversion: configuration.currency,
                            tier: tier)
                    }
                })
        }
        let byName = Dictionary(verdicts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.policiesByName = byName
        self.asksAboutPersonalData = configuration.policies.contains { $0.personalData != .allow }
        self.tenantPolicies = Dictionary(
            configuration.tenants.compactMap { tenant in tenant.policy.flatMap { byName[$0] }.map { (tenant.name, $0) } },
            uniquingKeysWith: { first, _ in first })
    }

    /// The plan for `model` alone (no size, needs or measurements): candidates in configured order.
    public func plan(for model: String) -> RoutePlan? {
        plan(for: RouteRequest(model: model, roll: 0))
    }

    /// The plan for `request`, or `nil` when its model names nothing this gateway knows.
    ///
    /// Every exclusion is decided here, from the request and a snapshot of live state:
    /// policy (and `pii: block`), unavailable providers, capability, context window, open
    /// circuits. The rest are ordered by the route's strategy and cut to its `max_attempts` —
    /// the order the proxy tries them in, and what `route explain` shows.
    public func plan(
        for request: RouteRequest, latencies: LatencySnapshot = .empty, circuits: CircuitSnapshot = .allClosed
    ) -> RoutePlan? {
        guard let candidates = candidates(for: request.model) else { return nil }
        let route = routesByName[request.model]
        var plan = RoutePlan(routeName: request.model, targets: [], strategy: route?.strategy ?? .ordered)
        plan.hedgeAfterMilliseconds = route?.hedgeAfterMilliseconds
        let policies = policies(for: request, route: route)
        if !policies.isEmpty { plan.policies = policies.map(\.name) }
        plan.personalData = Self.personalDataRule(policies)
        var weights: [Double] = []
        weights.reserveCapacity(candidates.count)
        plan.targets.reserveCapacity(candidates.count)
        for (position, candidate) in candidates.enumerated() {
            if let reason = exclusion(of: candidate, for: request, policies: policies, plan: plan, latencies: latencies, circuits: circuits)
            {
                plan.excluded.append(ExcludedTarget(candidate.reference, reason))
            } else {
                plan.targets.append(candidate)
                weights.append(route.map { $0.weights.indices.contains(position) ? $0.weights[position] : 1 } ?? 1)
            }
        }
        if let route {
            plan.targets = order(plan.targets, weights: weights, route: route, request: request, latencies: latencies)
            if let maxAttempts = route.maxAttempts, plan.targets.count > maxAttempts {
                for target in plan.targets[maxAttempts...] {
                    plan.excluded.append(ExcludedTarget(target.reference, .beyondMaxAttempts(maxAttempts)))
                }
                plan.targets.removeLast(plan.targets.count - maxAttempts)
            }
        }
        return plan
    }

    /// What the policies applying to `request` say about personal data in its prompt — what the
    /// proxy needs to know before it reads the prompt for it (nil when `model` names nothing).
    public func personalDataRule(for request: RouteRequest) -> PersonalDataRule {
        guard asksAboutPersonalData else { return .allow }  // the common case: no policy has a pii rule
        return Self.personalDataRule(policies(for: request, route: routesByName[request.model]))
    }

    /// The policy applying to `request` that forbids keeping anything (`retention: none`), if
    /// any: the gateway then stores no Responses conversation for it.
    public func noRetentionPolicy(for request: RouteRequest) -> String? {
        policies(for: request, route: routesByName[request.model]).first { $0.requiresNoRetention }?.name
    }

    /// The tenant's policy, then the route's.
    private func policies(for request: RouteRequest, route: RouteConfiguration?) -> [PolicyVerdicts] {
        var policies: [PolicyVerdicts] = []
        if let tenant = request.tenant, let policy = tenantPolicies[tenant] { policies.append(policy) }
        if let name = route?.policy, let policy = policiesByName[name] { policies.append(policy) }
        return policies
    }

    private static func personalDataRule(_ policies: [PolicyVerdicts]) -> PersonalDataRule {
        var rule = PersonalDataRule.allow
        for policy in policies where policy.personalData != .allow {
            rule = rule.narrowed(by: policy.personalData, restores: policy.restoresPersonalData, policy: policy.name)
        }
        return rule
    }

    /// Why `candidate` can't take `request` now, or nil — the first reason in the order an
    /// operator reads them: the rules they set, then what can't be called, then fit, then health.
    private func exclusion(
        of candidate: RouteTarget, for request: RouteRequest, policies: [PolicyVerdicts], plan: RoutePlan,
        latencies: LatencySnapshot, circuits: CircuitSnapshot
    ) -> Exclusion? {
        if let refusal = policyRefusal(candidate, for: request, policies: policies, latencies: latencies) {
            return .policy(rule: refusal)
        }
        if plan.personalData.handling == .block, !request.personalData.isEmpty, candidate.provider.deployment == .public {
            return .policy(
                rule:
                    "\(PolicyCheck.reasonPrefix)\(plan.personalData.policy ?? "?"): pii: block — the prompt holds personal data (\(request.personalData.joined(separator: ", "))) and '\(candidate.providerName)' is a public deployment"
            )
        }
        if let reason = unavailableProviders[candidate.providerName] { return .providerUnavailable(reason) }
        if let unfit = Self.unfit(candidate, for: request) { return unfit }
        return circuits.exclusion(of: candidate.reference)
    }

    /// The first policy rule `target` breaks for `request` (price ceilings at the band its
    /// prompt falls in), or nil. Latency SLOs count only measured targets.
    func policyRefusal(_ target: RouteTarget, for request: RouteRequest, policies: [PolicyVerdicts], latencies: LatencySnapshot)
        -> String?
    {
        for policy in policies {
            if policy.refusals.indices.contains(target.slot) {
                let byTier = policy.refusals[target.slot]
                let tier = byTier.count == 1 ? 0 : self.tier(of: target, for: request)
                if byTier.indices.contains(tier), let violation = byTier[tier] { return violation }
            }
            if let slo = policy.latencySLOMilliseconds, let p95 = latencies[target.reference]?.p95, p95 > Double(slo) {
                return "\(PolicyCheck.reasonPrefix)\(policy.name): measured p95 \(p95.clampedInt) ms is above latency_slo_ms \(slo)"
            }
        }
        return nil
    }

    /// Why `target` can't serve `request`, or nil. Capabilities are checked only where the
    /// catalog or config declares them (an unknown model is given the benefit of the doubt).
    static func unfit(_ target: RouteTarget, for request: RouteRequest) -> Exclusion? {
        if target.offering.kind != request.kind { return .wrongKind(target.offering.kind, wanted: request.kind) }
        if !request.needs.isEmpty {
            let capabilities = target.capabilities
            if !capabilities.isEmpty, !request.needs.allSatisfy(capabilities.contains) {
                return .lacks(Array(request.needs.subtracting(capabilities)))
            }
        }
        if let endpoint = request.requiredEndpoint, !target.provider.serves(endpoint) { return .lacksEndpoint(endpoint) }
        if let wanted = request.dimensions, let dimensions = target.offering.dimensions, wanted > dimensions {
            return .fewerDimensions(dimensions, wanted: wanted)
        }
        if let context = target.contextTokens {
            switch request.kind {
            case .chat:
                // Both numbers come from the request: add them without trapping.
                let needed = request.promptTokens.saturatingAdding(request.maxOutputTokens ?? 0)
                if needed > context { return .contextWindow(limit: context, needed: needed) }
            case .embedding:
                if let longest = request.longestInputTokens, longest > context { return .inputTooLong(limit: context, needed: longest) }
            case .rerank: break  // rerankers truncate a long document; they don't refuse it
            }
        }
        return nil
    }

    /// The output a request is expected to give: its bound, else its route's expectation.
    static func expectedOutput(of request: RouteRequest, route: RouteConfiguration?) -> Int {
        request.kind == .chat ? request.maxOutputTokens ?? route?.expectedOutputTokens ?? 256 : 0
    }

    /// The band of `target`'s price `request` is expected to be billed in: by its prompt and its
    /// expected output.
    func tier(of target: RouteTarget, for request: RouteRequest) -> Int {
        let price = target.offering.price
        guard price.isTiered else { return 0 }
        let output = Self.expectedOutput(of: request, route: routesByName[request.model])
        return price.tierIndex(promptTokens: request.promptTokens, outputTokens: output)
    }

    /// Expected cost of `request` on `target` in the reporting currency: the prompt at the input
    /// price plus the output bound (the request's, else the route's expectation) at the output
    /// price — of the band the prompt and output fall in.
    public func expectedCost(of target: RouteTarget, for request: RouteRequest, route: RouteConfiguration?) -> Double? {
        guard unitPrices.indices.contains(target.slot), let prices = unitPrices[target.slot] else { return nil }
        let output = Self.expectedOutput(of: request, route: route)
        let band = prices.bands[tier(of: target, for: request)]
        return Double(request.promptTokens) * band.input + Double(output) * band.output
            + Double(request.searches) * prices.search
    }

    /// The most `request` can cost under `plan`, in the reporting currency: the prompt at the
    /// dearest target's input price plus the output bound (the request's, else the provider's
    /// `default_max_tokens`) at its output price — in the dearest band the prompt may be billed
    /// in, thinking priced where the vendor bills it apart — doubled when hedging may run two
    /// attempts. What a budget reserves before the call. Targets whose price doesn't convert count 0.
    public func worstCaseCost(of plan: RoutePlan, for request: RouteRequest) -> Double {
        var worst = 0.0
        for target in plan.targets {
            guard unitPrices.indices.contains(target.slot), let prices = unitPrices[target.slot] else { continue }
            let output = request.kind == .chat ? request.maxOutputTokens ?? target.provider.defaultMaxTokens : 0
            let price = target.offering.price
            let last = price.tierIndex(promptTokens: request.promptTokens, outputTokens: output)
            for (index, band) in prices.bands.enumerated()
            where index == last || price.tiers[index].prompt.contains(request.promptTokens) {
                worst = max(
                    worst,
                    Double(request.promptTokens) * band.input + Double(output) * band.dearestOutput
                        + Double(request.searches) * prices.search)
            }
        }
        return plan.hedgeAfterMilliseconds != nil && plan.targets.count > 1 ? worst * 2 : worst
    }

    private func order(
        _ targets: [RouteTarget], weights: [Double], route: RouteConfiguration, request: RouteRequest,
        latencies: LatencySnapshot
    ) -> [RouteTarget] {
        guard targets.count > 1 else { return targets }
        switch route.strategy {
        case .ordered:
            return targets
        case .cheapest:
            return stableSorted(targets) { expectedCost(of: $0, for: request, route: route) ?? .infinity }
        case .fastest:
            return Self.explore(Self.fastestFirst(targets, latencies: latencies), roll: request.roll)
        case .balanced:
            let slo = Double(route.latencySLOMilliseconds ?? Int.max)
            // Unmeasured targets count as meeting the SLO, so they get measured.
            let (meeting, missing) = targets.partitioned { (latencies[$0.reference]?.p95 ?? 0) <= slo }
            let byCost = stableSorted(meeting) { expectedCost(of: $0, for: request, route: route) ?? .infinity }
            return Self.explore(byCost + Self.fastestFirst(missing, latencies: latencies), roll: request.roll)
        case .weighted:
            return Self.weightedOrder(targets, weights: weights, roll: request.roll)
        }
    }

    /// Unmeasured targets first (so a new or recovered provider gets measured), then by average latency.
    static func fastestFirst(_ targets: [RouteTarget], latencies: LatencySnapshot) -> [RouteTarget] {
        stableSorted(targets) { latencies[$0.reference]?.average ?? -1 }
    }

    /// Share of requests that try the runner-up first, to keep its measurement fresh.
    static let explorationShare = 0.05

    static func explore(_ targets: [RouteTarget], roll: Double) -> [RouteTarget] {
        guard targets.count > 1, roll < explorationShare else { return targets }
        var reordered = targets
        reordered.swapAt(0, 1)
        return reordered
    }

    /// Draws the first target by weight with `roll`, then the rest by weight in turn.
    static func weightedOrder(_ targets: [RouteTarget], weights: [Double], roll: Double) -> [RouteTarget] {
        var remaining = Array(zip(targets, weights.map { max(0, $0) }))
        var ordered: [RouteTarget] = []
        var draw = roll
        while !remaining.isEmpty {
            let total = remaining.reduce(0) { $0 + $1.1 }
            var index = remaining.count - 1
            if total > 0 {
                var point = draw * total
                for (position, entry) in remaining.enumerated() {
                    if point < entry.1 {
                        index = position
                        break
                    }
                    point -= entry.1
                }
            } else {
                index = 0
            }
            ordered.append(remaining.remove(at: index).0)
            // Later picks reuse the draw's fraction: deterministic for one roll.
            draw = (draw * 7919).truncatingRemainder(dividingBy: 1)
        }
        return ordered
    }

    /// Every name a client may put in `model`: routes first, then `provider/model` for each offering.
    public var modelNames: [(id: String, ownedBy: String)] {
        var names = configuration.routes.map { (id: $0.name, ownedBy: "switchyard") }
        for provider in configuration.providers where unavailableProviders[provider.name] == nil {
            for offering in provider.models {
                names.append((id: "\(provider.name)/\(offering.name)", ownedBy: provider.name))
            }
        }
        return names
    }

    /// The targets `model` names before any is left out — a route's, one `provider/model`, or
    /// every provider's offering of a bare model name; nil when it names none.
    func candidates(for model: String) -> [RouteTarget]? {
        if let route = routesByName[model] { return routeTargets[route.name] ?? [] }
        if let reference = ModelReference(parsing: model), let target = targetsByReference[reference] { return [target] }
        return targetsByModelName[model]
    }
}

/// Sorts by `key`, keeping configured order among equals.
func stableSorted(_ targets: [RouteTarget], by key: (RouteTarget) -> Double) -> [RouteTarget] {
    targets.enumerated().map { (key($0.element), $0.offset, $0.element) }
        .sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        .map(\.2)
}

extension Array {
    /// The elements that satisfy `belongs`, then the rest, each in order.
    func partitioned(by belongs: (Element) -> Bool) -> ([Element], [Element]) {
        var yes: [Element] = []
        var no: [Element] = []
        for element in self {
            if belongs(element) { yes.append(element) } else { no.append(element) }
        }
        return (yes, no)
    }
}

/// A price per token (per search) in the reporting currency, band by band: what routing compares
/// and budgets reserve.
struct UnitPrices {
    struct Band {
        var input: Double
        var output: Double
        /// The dearer of the plain and thinking output prices.
        var dearestOutput: Double
    }

    var bands: [Band]
    var search: Double

    /// Nil when the price's currency doesn't convert to the reporting currency.
    init?(_ price: ModelPrice, conversion: CurrencyConversion) {
        func perUnit(_ amount: Decimal, _ unit: Double) -> Double? {
            conversion.convert(amount, from: price.currency).map { NSDecimalNumber(decimal: $0).doubleValue / unit }
        }
        var bands: [Band] = []
        for tier in price.tiers {
            guard let input = perUnit(tier.prices.input, 1e6), let output = perUnit(tier.prices.output, 1e6),
                let dearest = perUnit(tier.prices.highestOutput, 1e6)
            else { return nil }
            bands.append(Band(input: input, output: output, dearestOutput: dearest))
        }
        guard let search = perUnit(price.perThousandSearches ?? 0, 1e3) else { return nil }
        self.bands = bands
        self.search = search
    }
}
